//! The site as it will be written: the section tree, navigation, and every page's links
//! resolved against the whole handbook. Built from loaded content; renders nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::content::{Content, Page};
use crate::diagnostics::{Diagnostic, closest};
use crate::links::{self, Target};

/// A folder of content/, with or without an `_index.md`.
#[derive(Debug, Clone)]
pub struct Section {
    pub url: String,
    pub title: String,
    pub weight: i64,
    /// The `_index.md` page, when the folder has one.
    pub index: Option<usize>,
    pub children: Vec<Child>,
}

/// An entry in a section: a page or a subsection, ordered by weight then title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Child {
    Page(usize),
    Section(usize),
}

/// A page or section in the listing of its section.
#[derive(Serialize)]
pub struct ChildLink<'a> {
    pub title: &'a str,
    pub href: String,
    pub description: Option<&'a str>,
}

/// An entry of the sidebar: one tree for the whole site, shared by every page.
#[derive(Debug, Clone, Serialize)]
pub struct NavItem {
    pub title: String,
    /// The entry's folder, for the template to tell the current page and its ancestors.
    pub url: String,
    pub href: String,
    pub children: Vec<NavItem>,
}

/// A link from one page to another, as the templates use it.
#[derive(Debug, Clone, Serialize)]
pub struct PageLink {
    pub title: String,
    pub href: String,
}

/// The ids that `exception:ID` and `incident:ID` links may name.
#[derive(Debug, Default)]
pub struct RecordIds {
    pub exceptions: BTreeSet<String>,
    pub incidents: BTreeSet<String>,
}

pub struct Site {
    pub pages: Vec<Arc<Page>>,
    /// Index 0 is the root section, the home page.
    pub sections: Vec<Section>,
    pub nav: Vec<NavItem>,
    /// Each page's resolved link targets, written relative to the page.
    pub link_targets: Vec<Vec<String>>,
    /// Pages and sections in reading order, for previous and next links.
    pub reading_order: Vec<Child>,
    section_by_url: HashMap<String, usize>,
}

impl Site {
    /// Arranges the pages into sections and resolves every link. `files` are the other
    /// paths the site will hold (static files, assets), which links may name too.
    pub fn assemble(
        content: Content,
        records: &RecordIds,
        files: &BTreeSet<String>,
    ) -> (Site, Vec<Diagnostic>) {
        let mut pages = content.pages;
        pages.sort_by(|a, b| a.path.cmp(&b.path));
        let sections = build_sections(&pages);
        let nav = nav_items(&sections, &pages, 0);
        let by_path: HashMap<&str, usize> = pages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.path.as_str(), i))
            .collect();
        let known = Known {
            pages: &pages,
            by_path: &by_path,
            unreadable: &content.unreadable,
            records,
            files,
        };
        let resolved: Vec<(Vec<String>, Vec<Diagnostic>)> = pages
            .par_iter()
            .map(|page| resolve_links(page, &known))
            .collect();
        let mut diags = Vec::new();
        let mut link_targets = Vec::with_capacity(pages.len());
        for (targets, errors) in resolved {
            link_targets.push(targets);
            diags.extend(errors);
        }
        let mut reading_order = Vec::new();
        walk_reading_order(&sections, 0, &mut reading_order);
        let section_by_url = sections
            .iter()
            .enumerate()
            .map(|(i, s)| (s.url.clone(), i))
            .collect();
        let site = Site {
            pages,
            section_by_url,
            sections,
            nav,
            link_targets,
            reading_order,
        };
        (site, diags)
    }

    /// A child of a section as a listing of the section shows it.
    pub fn child_link(&self, child: Child) -> ChildLink<'_> {
        let index = match child {
            Child::Page(p) => Some(p),
            Child::Section(s) => self.sections[s].index,
        };
        ChildLink {
            title: self.title_of(child),
            href: links::page_href(self.url_of(child)),
            description: index.and_then(|p| self.pages[p].front.description.as_deref()),
        }
    }

    pub fn title_of(&self, child: Child) -> &str {
        match child {
            Child::Page(p) => &self.pages[p].front.title,
            Child::Section(s) => &self.sections[s].title,
        }
    }

    pub fn url_of(&self, child: Child) -> &str {
        match child {
            Child::Page(p) => &self.pages[p].url,
            Child::Section(s) => &self.sections[s].url,
        }
    }

    /// The sections from the root down to the one that holds `url`, not counting `url` itself.
    pub fn ancestors(&self, url: &str) -> Vec<&Section> {
        let section = |u: &str| self.section_by_url.get(u).map(|&i| &self.sections[i]);
        let mut out = Vec::new();
        if !url.is_empty() {
            out.extend(section(""));
        }
        let segments: Vec<&str> = url.split('/').filter(|s| !s.is_empty()).collect();
        let mut prefix = String::new();
        for seg in segments.iter().take(segments.len().saturating_sub(1)) {
            prefix.push_str(seg);
            prefix.push('/');
            out.extend(section(&prefix));
        }
        out
    }
}

fn build_sections(pages: &[Arc<Page>]) -> Vec<Section> {
    let mut folders: BTreeMap<String, Section> = BTreeMap::new();
    let ensure = |url: &str, folders: &mut BTreeMap<String, Section>| {
        let mut prefix = String::new();
        for seg in std::iter::once("").chain(url.split('/').filter(|s| !s.is_empty())) {
            if !seg.is_empty() {
                prefix.push_str(seg);
                prefix.push('/');
            }
            folders.entry(prefix.clone()).or_insert_with(|| Section {
                url: prefix.clone(),
                title: title_from_folder(seg),
                weight: 0,
                index: None,
                children: Vec::new(),
            });
        }
    };
    ensure("", &mut folders);
    for (i, page) in pages.iter().enumerate() {
        let folder = folder_of(page);
        ensure(&folder, &mut folders);
        if page.is_section_index()
            && let Some(section) = folders.get_mut(&folder)
        {
            section.index = Some(i);
            section.title = page.front.title.clone();
            section.weight = page.front.weight.unwrap_or(0);
        }
    }
    let urls: Vec<String> = folders.keys().cloned().collect();
    let index_of: HashMap<String, usize> = urls
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, u)| (u, i))
        .collect();
    let mut sections: Vec<Section> = folders.into_values().collect();
    // The indexing below cannot fail: `ensure` made a section for every page's folder and
    // for each folder above it, so `index_of` holds each of them.
    for (i, page) in pages.iter().enumerate() {
        if !page.is_section_index() {
            sections[index_of[&folder_of(page)]]
                .children
                .push(Child::Page(i));
        }
    }
    for (i, url) in urls.iter().enumerate().skip(1) {
        let parent = parent_url(url);
        sections[index_of[&parent]].children.push(Child::Section(i));
    }
    let keys: Vec<Vec<(i64, String, String)>> = sections
        .iter()
        .map(|s| {
            s.children
                .iter()
                .map(|c| match *c {
                    Child::Page(p) => (
                        pages[p].front.weight.unwrap_or(0),
                        pages[p].front.title.clone(),
                        pages[p].url.clone(),
                    ),
                    Child::Section(x) => (
                        sections[x].weight,
                        sections[x].title.clone(),
                        sections[x].url.clone(),
                    ),
                })
                .collect()
        })
        .collect();
    for (section, keys) in sections.iter_mut().zip(keys) {
        let mut pairs: Vec<_> = keys
            .into_iter()
            .zip(section.children.iter().copied())
            .collect();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        section.children = pairs.into_iter().map(|(_, c)| c).collect();
    }
    sections
}

/// The folder URL of the section a page belongs to.
fn folder_of(page: &Page) -> String {
    if page.is_section_index() {
        page.url.clone()
    } else {
        parent_url(&page.url)
    }
}

fn parent_url(url: &str) -> String {
    let trimmed = url.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(i) => trimmed[..=i].to_string(),
        None => String::new(),
    }
}

fn title_from_folder(seg: &str) -> String {
    let words = seg.replace(['-', '_'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn nav_items(sections: &[Section], pages: &[Arc<Page>], section: usize) -> Vec<NavItem> {
    sections[section]
        .children
        .iter()
        .map(|child| match *child {
            Child::Page(p) => NavItem {
                title: pages[p].front.title.clone(),
                url: pages[p].url.clone(),
                href: links::page_href(&pages[p].url),
                children: Vec::new(),
            },
            Child::Section(s) => NavItem {
                title: sections[s].title.clone(),
                url: sections[s].url.clone(),
                href: links::page_href(&sections[s].url),
                children: nav_items(sections, pages, s),
            },
        })
        .collect()
}

fn walk_reading_order(sections: &[Section], section: usize, out: &mut Vec<Child>) {
    out.push(Child::Section(section));
    for child in &sections[section].children {
        match *child {
            Child::Page(_) => out.push(*child),
            Child::Section(s) => walk_reading_order(sections, s, out),
        }
    }
}

/// Resolves each link of `page` to the URL written on output, relative to the page.
/// Everything a link may point at.
struct Known<'a> {
    pages: &'a [Arc<Page>],
    by_path: &'a HashMap<&'a str, usize>,
    unreadable: &'a BTreeSet<String>,
    records: &'a RecordIds,
    files: &'a BTreeSet<String>,
}

fn resolve_links(page: &Page, known: &Known) -> (Vec<String>, Vec<Diagnostic>) {
    let Known {
        pages,
        by_path,
        unreadable,
        records,
        files,
    } = *known;
    let root = links::root_prefix(&page.url);
    let mut diags = Vec::new();
    let targets = page
        .doc
        .links
        .iter()
        .map(|link| {
            let fail =
                |message: String| Diagnostic::error(message).at(&page.source, link.span.clone());
            let resolved: Result<String, Diagnostic> = match links::classify(&link.dest) {
                Target::External(url) => Ok(url.to_string()),
                Target::Unsafe => Ok("#".to_string()),
                Target::Exception(id) => {
                    record_link(&root, "exception", "exceptions", id, &records.exceptions)
                        .map_err(|(m, h)| with_hint(fail(m), h))
                }
                Target::Incident(id) => {
                    record_link(&root, "incident", "incidents", id, &records.incidents)
                        .map_err(|(m, h)| with_hint(fail(m), h))
                }
                Target::Anchor(anchor) => {
                    if page.doc.has_anchor(anchor) {
                        Ok(format!("#{anchor}"))
                    } else {
                        Err(fail(format!(
                            "link to `#{anchor}`, a heading this page does not have"
                        )))
                    }
                }
                Target::Page { path, anchor } => match links::join(page.dir(), path)
                    .and_then(|p| by_path.get(p.as_str()).map(|&i| &pages[i]))
                {
                    // That page is reported already; its links need no second report.
                    None if links::join(page.dir(), path)
                        .is_some_and(|p| unreadable.contains(&p)) =>
                    {
                        Ok("#".to_string())
                    }
                    None => {
                        // Compare the link as written with each page as it would be written
                        // from here, so a shared folder name does not decide the hint.
                        let written: Vec<String> =
                            by_path.keys().map(|p| relative_to(page.dir(), p)).collect();
                        let hint = closest(path, written.iter().map(String::as_str))
                            .map(|best| format!("did you mean `{best}`?"));
                        Err(with_hint(
                            fail(format!("link to `{path}`, a page that does not exist")),
                            hint,
                        ))
                    }
                    Some(target) => match anchor {
                        Some(a) if !target.doc.has_anchor(a) => Err(fail(format!(
                            "link to `{path}#{a}`: that page has no heading `#{a}`"
                        ))),
                        _ => {
                            let fragment = anchor.map(|a| format!("#{a}")).unwrap_or_default();
                            Ok(format!("{root}{}{fragment}", links::page_href(&target.url)))
                        }
                    },
                },
                Target::File(dest) => {
                    let (path, rest) = match dest.find(['?', '#']) {
                        Some(i) => dest.split_at(i),
                        None => (dest, ""),
                    };
                    let joined = links::join(page.dir(), path);
                    match joined.clone().filter(|p| files.contains(p)) {
                        Some(p) => Ok(format!("{root}{p}{rest}")),
                        // That file is reported already, as a page is.
                        None if joined.is_some_and(|p| unreadable.contains(&p)) => {
                            Ok("#".to_string())
                        }
                        None => Err(fail(format!(
                            "link to `{dest}`, a file that does not exist"
                        ))),
                    }
                }
            };
            resolved.unwrap_or_else(|d| {
                diags.push(d);
                "#".to_string()
            })
        })
        .collect();
    (targets, diags)
}

fn with_hint(diag: Diagnostic, hint: Option<String>) -> Diagnostic {
    match hint {
        Some(h) => diag.with_hint(h),
        None => diag,
    }
}

fn record_link(
    root: &str,
    kind: &str,
    folder: &str,
    id: &str,
    known: &BTreeSet<String>,
) -> Result<String, (String, Option<String>)> {
    if known.contains(id) {
        Ok(format!("{root}{folder}/{id}/index.html"))
    } else {
        let hint =
            closest(id, known.iter().map(String::as_str)).map(|b| format!("did you mean `{b}`?"));
        Err((format!("link to {kind} `{id}`, which does not exist"), hint))
    }
}

/// Writes the content path `target` relative to the folder `dir`, as a link in `dir` would.
fn relative_to(dir: &str, target: &str) -> String {
    let from: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    let to: Vec<&str> = target.split('/').collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts = vec![".."; from.len() - common];
    parts.extend(&to[common..]);
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_to_walks_up_and_down() {
        assert_eq!(relative_to("a/b", "a/c.md"), "../c.md");
        assert_eq!(relative_to("", "a/c.md"), "a/c.md");
        assert_eq!(relative_to("a", "a/c.md"), "c.md");
    }

    #[test]
    fn parent_url_of_folders() {
        assert_eq!(parent_url("a/b/"), "a/");
        assert_eq!(parent_url("a/"), "");
    }
}
