//! content/: Markdown pages with YAML front matter, and the files that sit beside them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use walkdir::WalkDir;

use crate::date::Date;
use crate::diagnostics::{Diagnostic, SourceFile};
use crate::markdown::Document;
use crate::{source, yaml};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub weight: Option<i64>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub review_by: Option<Date>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub template: Option<String>,
}

/// One Markdown file of content/.
#[derive(Debug, Clone)]
pub struct Page {
    pub source: Arc<SourceFile>,
    /// Path below content/, with `/` separators: `a/b.md`, `a/_index.md`.
    pub path: String,
    /// The folder it is written to, relative to the site root: `a/b/`, `a/`, or `` for home.
    pub url: String,
    pub front: FrontMatter,
    pub doc: Document,
}

impl Page {
    /// `_index.md` describes the section of its folder.
    pub fn is_section_index(&self) -> bool {
        self.path == "_index.md" || self.path.ends_with("/_index.md")
    }

    /// Where the value of a front matter key is written, for reports about it.
    pub fn front_matter_value(&self, key: &str) -> std::ops::Range<usize> {
        split_front_matter(&self.source.text)
            .and_then(|(fm, _)| {
                let place = yaml::locate(&self.source.text[fm.clone()], &[yaml::Seg::Key(key)])?;
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
    pub from: PathBuf,
    /// Output path relative to the site root.
    pub to: String,
}

pub struct Content {
    pub pages: Vec<Page>,
    pub assets: Vec<Asset>,
    /// Pages that exist but could not be loaded; links to them are not reported again.
    pub unreadable: BTreeSet<String>,
}

/// Loads every page of `root/content`, leaving out drafts unless `drafts`, and refusing
/// files over `max_bytes`.
pub fn load(
    root: &Path,
    drafts: bool,
    allow_html: bool,
    max_bytes: u64,
) -> (Content, Vec<Diagnostic>) {
    let dir = root.join("content");
    let mut diags = Vec::new();
    let mut markdown = Vec::new();
    let mut assets = Vec::new();
    let outside = source::folder_outside(root, "content");
    let not_read = outside.is_some();
    diags.extend(outside);
    if !dir.is_dir() || not_read {
        return (
            Content {
                pages: Vec::new(),
                assets,
                unreadable: BTreeSet::new(),
            },
            diags,
        );
    }
    for entry in WalkDir::new(&dir).sort_by_file_name().follow_links(false) {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                diags.push(Diagnostic::error(format!("cannot read content/: {err}")));
                continue;
            }
        };
        let Some(rel) = source::relative(&dir, entry.path()) else {
            continue;
        };
        if rel.is_empty() || entry.file_type().is_dir() {
            continue;
        }
        if entry.path_is_symlink() && !source::stays_inside(root, entry.path()) {
            diags.push(Diagnostic::error(format!(
                "content/{rel} is a symbolic link that leads outside the handbook; it is not followed"
            )));
            continue;
        }
        if rel.ends_with(".md") {
            markdown.push(rel);
        } else {
            assets.push(Asset {
                from: entry.path().to_path_buf(),
                to: rel
                    .split('/')
                    .map(slug_segment)
                    .collect::<Vec<_>>()
                    .join("/"),
            });
        }
    }
    let results: Vec<Result<Option<Page>, Diagnostic>> = markdown
        .par_iter()
        .map(|rel| load_page(root, rel, drafts, allow_html, max_bytes))
        .collect();
    let mut pages = Vec::new();
    let mut unreadable = BTreeSet::new();
    for (result, rel) in results.into_iter().zip(markdown) {
        match result {
            Ok(Some(page)) => pages.push(page),
            Ok(None) => {}
            Err(d) => {
                diags.push(d);
                unreadable.insert(rel);
            }
        }
    }
    (
        Content {
            pages,
            assets,
            unreadable,
        },
        diags,
    )
}

fn load_page(
    root: &Path,
    rel: &str,
    drafts: bool,
    allow_html: bool,
    max_bytes: u64,
) -> Result<Option<Page>, Diagnostic> {
    let source = source::read_walked(root, &format!("content/{rel}"), max_bytes)?;
    parse_page(source, rel, drafts, allow_html)
}

/// Reads the page at `rel` (below content/) from its text: the front matter, then the
/// Markdown. `None` for a draft when `drafts` is off.
pub fn parse_page(
    source: Arc<SourceFile>,
    rel: &str,
    drafts: bool,
    allow_html: bool,
) -> Result<Option<Page>, Diagnostic> {
    let Some((front, body)) = split_front_matter(&source.text) else {
        let opened = source
            .text
            .lines()
            .next()
            .is_some_and(|l| l.trim_end() == "---");
        let diag = if opened {
            Diagnostic::error("the front matter is never closed")
                .with_hint("end the front matter with a line that holds only `---`")
        } else {
            Diagnostic::error("a page must start with YAML front matter between `---` lines")
                .with_hint("begin the file with `---`, then `title: ...`, then `---`")
        };
        return Err(diag.at(&source, source.line_span(0)));
    };
    let front: FrontMatter = yaml::parse(&source, front)?;
    if front.draft && !drafts {
        return Ok(None);
    }
    let doc = Document::parse(&source.text[body.clone()], body.start, allow_html);
    Ok(Some(Page {
        url: url_of(rel),
        path: rel.to_string(),
        source,
        front,
        doc,
    }))
}

/// The byte ranges of the front matter and of the body, when the text opens with `---`.
pub fn split_front_matter(text: &str) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let first = text.split_inclusive('\n').next()?;
    if first.trim_end() != "---" {
        return None;
    }
    let start = first.len();
    let mut pos = start;
    for line in text[start..].split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some((start..pos, pos + line.len()..text.len()));
        }
        pos += line.len();
    }
    None
}

/// `a/b.md` is served at `a/b/`, `a/_index.md` at `a/`.
fn url_of(rel: &str) -> String {
    let stem = rel.strip_suffix(".md").unwrap_or(rel);
    let stem = stem.strip_suffix("_index").unwrap_or(stem);
    stem.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| format!("{}/", slug_segment(s)))
        .collect()
}

/// A path segment safe in a URL on every host: file names keep their letters, digits, `-`,
/// `_` and `.`; anything else becomes `-`.
pub fn slug_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for c in segment.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
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
    }

    #[test]
    fn urls_are_pretty() {
        assert_eq!(url_of("_index.md"), "");
        assert_eq!(url_of("a/_index.md"), "a/");
        assert_eq!(url_of("a/b.md"), "a/b/");
        assert_eq!(url_of("A/My Page.md"), "a/my-page/");
        assert_eq!(slug_segment(".."), "-");
        assert_eq!(slug_segment("..."), "-");
        assert_eq!(slug_segment("a."), "a");
        assert_eq!(slug_segment(".well-known"), ".well-known");
    }
}
