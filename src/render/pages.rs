//! Content pages and sections.

use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use super::records::PageExtras;
use super::{Fingerprint, Output, OutputFile, Renderer, SummaryItem, Values, value};
use crate::derive::site::{Child, ChildLink, PageLink, Site};
use crate::diagnostics::Diagnostic;
use crate::load::content::{self, Page};
use crate::load::markdown::Heading;
use crate::load::theme;
use crate::model::date::Date;
use crate::model::links;

/// What a template sees as `page`.
#[derive(Serialize)]
struct PageView<'a> {
    title: &'a str,
    description: Option<&'a str>,
    url: &'a str,
    /// The source path below content/, when the page has a file.
    path: Option<&'a str>,
    html: &'a str,
    /// The same HTML by the name Zola gives it, so that a `page.html` written for Zola
    /// builds as it is.
    content: &'a str,
    toc: Vec<&'a Heading>,
    tags: &'a [String],
    owner: Option<&'a str>,
    review_by: Option<Date>,
    is_section: bool,
}

/// Renders every page and section, in parallel; each one's errors are its own. A section
/// at a register's folder is shown by the register page instead. The home page shows the
/// `summary` of the program's status.
pub fn render_pages(
    site: &Site,
    renderer: &Renderer,
    extras: &PageExtras,
    summary: &[SummaryItem],
    out: &Output,
) -> Vec<Diagnostic> {
    // What every page draws on besides itself: the templates and globals, and the shape of
    // the site (titles, order, sections), which the front matter of every page decides.
    let mut shared = Fingerprint::default();
    if out.caches() {
        shared.add(&renderer.fingerprint);
        for page in &site.pages {
            shared.add(&page.path).add(&page.front);
        }
    }
    let parts = Parts {
        site,
        renderer,
        extras,
        summary,
        shared: shared.finish(),
    };
    site.reading_order
        .par_iter()
        .enumerate()
        .filter(|(_, child)| !content::is_register(site.url_of(**child)))
        .filter_map(|(i, child)| render_one(&parts, i, *child, out))
        .collect()
}

/// What every page is rendered from.
struct Parts<'a> {
    site: &'a Site,
    renderer: &'a Renderer,
    extras: &'a PageExtras,
    summary: &'a [SummaryItem],
    /// The fingerprint of what every page depends on.
    shared: u64,
}

/// Renders one page into `out`, unless `out` holds it from an earlier build made from the
/// same inputs: those every page shares, and the page's own source, resolved links, and
/// the records that name it.
fn render_one(parts: &Parts, position: usize, child: Child, out: &Output) -> Option<Diagnostic> {
    let Parts {
        site,
        renderer,
        extras,
        summary,
        shared,
    } = *parts;
    let (page_index, section) = match child {
        Child::Page(p) => (Some(p), None),
        Child::Section(s) => (site.sections[s].index, Some(s)),
    };
    let page = page_index.map(|i| &site.pages[i]);
    let url = site.url_of(child);
    let template = match template_of(site, renderer, child) {
        Ok(template) => template,
        Err(problem) => return problem,
    };
    let referenced_by = page
        .and_then(|p| extras.referenced_by.get(&p.path))
        .map_or(&[][..], Vec::as_slice);
    let summary = (section == Some(0)).then_some(summary);
    let fingerprint = out.caches().then(|| {
        let mut fingerprint = Fingerprint::default();
        fingerprint
            .add(&shared)
            .add(url)
            .add(template)
            .add(referenced_by)
            .add(&summary);
        if let Some(i) = page_index {
            fingerprint
                .add(&site.pages[i].source.hash())
                .add(&site.link_targets[i]);
        }
        fingerprint.finish()
    });
    let path = links::page_href(url);
    out.take_cached(&path, fingerprint, || {
        let html = page_index.map(|i| site.page_html(i)).unwrap_or_default();
        let view = PageView {
            title: site.title_of(child),
            description: page.and_then(|p| p.front.description.as_deref()),
            url,
            path: page.map(|p| p.path.as_str()),
            html: &html,
            content: &html,
            toc: page.map(|p| p.doc.toc(2..=3)).unwrap_or_default(),
            tags: page.map_or(&[], |p| p.front.tags.as_slice()),
            owner: page.and_then(|p| p.front.owner.as_deref()),
            review_by: page.and_then(|p| p.front.review_by),
            is_section: section.is_some(),
        };
        let link = |c: &Child| PageLink {
            title: site.title_of(*c).to_string(),
            href: links::page_href(site.url_of(*c)),
        };
        // The context holds a copy of the page's HTML, which may be a hundred megabytes.
        // The page is that, and head, sidebar and table of contents: some kilobytes, or an
        // eighth of a large page's HTML at most.
        let size = view.html.len() + view.html.len() / 8 + 16 * 1024;
        // What the page shows besides itself is made only for a template that reads it.
        let mut values = Values::default();
        values.insert_owned("root", links::root_prefix(url));
        values.insert_owned("page", view);
        values.insert_lazy("breadcrumbs", || {
            let breadcrumbs: Vec<PageLink> = site
                .ancestors(url)
                .into_iter()
                .map(|s| PageLink {
                    title: s.title.clone(),
                    href: links::page_href(&s.url),
                })
                .collect();
            value(&breadcrumbs)
        });
        values.insert_lazy("nav", || value(&site.nav_for(child)));
        values.insert_lazy("children", || {
            let children: Vec<ChildLink> = section
                .map(|s| {
                    site.sections[s]
                        .children
                        .iter()
                        .map(|c| site.child_link(*c))
                        .collect()
                })
                .unwrap_or_default();
            value(&children)
        });
        values.insert("referenced_by", referenced_by);
        values.insert_lazy("prev", || {
            let prev = position
                .checked_sub(1)
                .and_then(|i| site.reading_order.get(i))
                .map(link);
            value(&prev)
        });
        values.insert_lazy("next", || {
            value(&site.reading_order.get(position + 1).map(link))
        });
        if let Some(summary) = summary {
            values.insert("summary", summary);
        }
        let html = renderer.render_sized(template, values, size)?;
        Ok(OutputFile::bytes(path.clone(), html))
    })
}

/// The template `child` is shown with, or the error of the one its front matter names.
fn template_of<'a>(
    site: &'a Site,
    renderer: &Renderer,
    child: Child,
) -> Result<&'a str, Option<Diagnostic>> {
    let (page, section) = match child {
        Child::Page(p) => (Some(&site.pages[p]), None),
        Child::Section(s) => (site.sections[s].index.map(|i| &site.pages[i]), Some(s)),
    };
    let named = page.and_then(|p| p.front.template.as_deref());
    let template = content::template_of(site.url_of(child), section.is_some(), named);
    if let Some(p) = page.filter(|_| !renderer.has_template(template)) {
        return Err(Some(unknown_template(p, template)));
    }
    if let Some(why) = named.and_then(theme::not_for_pages) {
        return Err(page.map(|p| not_for_pages(p, why)));
    }
    Ok(template)
}

/// The errors of the templates the pages and sections name: what rendering them would
/// report first, for a handbook with errors, which is not rendered.
pub fn template_errors(site: &Site, renderer: &Renderer) -> Vec<Diagnostic> {
    (site.reading_order.iter())
        .filter(|child| !content::is_register(site.url_of(**child)))
        .filter_map(|child| template_of(site, renderer, *child).err().flatten())
        .collect()
}

fn unknown_template(page: &Page, template: &str) -> Diagnostic {
    Diagnostic::error(format!("template `{template}` does not exist in the theme"))
        .at(&page.source, page.front_matter_value("template"))
}

/// The error for a page whose front matter names a template it may not be shown with.
fn not_for_pages(page: &Page, why: String) -> Diagnostic {
    Diagnostic::error(why)
        .at(&page.source, page.front_matter_value("template"))
        .with_hint(theme::PAGE_TEMPLATES_HINT)
}

/// What the 404 template sees as `page`: the fields of a content page, mostly empty.
#[derive(Serialize)]
struct NotFoundPage {
    title: &'static str,
    description: Option<&'static str>,
    url: &'static str,
    path: Option<&'static str>,
    html: &'static str,
    content: &'static str,
    toc: Vec<()>,
    tags: Vec<()>,
    owner: Option<&'static str>,
    review_by: Option<&'static str>,
    is_section: bool,
}

/// How 404.html finds the site when a static host serves it for a missing path at any
/// depth below the site, where its relative links would resolve from the missing path.
#[derive(Serialize)]
struct NotFoundView {
    /// The plain link home, for a reader without JavaScript: the path of `base_url` (`/`
    /// by default), and of an absolute one, which would load the style sheet from the
    /// network where the page is read from disk.
    home: String,
    /// The site's top folders: the script puts the root where the missing path meets one,
    /// else at `home`.
    folders: Vec<String>,
}

pub const NOT_FOUND_PATH: &str = "404.html";

/// 404.html at the root of the site, as static hosts serve it for any missing path below
/// the site: its links relative to the root (`root` is ""), with a small script that sets
/// the page's base to the site's root, found where the address meets one of the site's top
/// `folders`, and a plain link home without it.
pub fn render_not_found(
    base_url: &str,
    folders: Vec<String>,
    renderer: &Renderer,
    out: &Output,
) -> Option<Diagnostic> {
    out.take(not_found(base_url, folders, renderer))
}

fn not_found(
    base_url: &str,
    folders: Vec<String>,
    renderer: &Renderer,
) -> Result<OutputFile, Diagnostic> {
    let absolute = links::absolute_base(base_url).and_then(|b| url::Url::parse(&b).ok());
    let path = absolute.as_ref().map_or(base_url.trim(), |url| url.path());
    let home = format!("{}/", path.trim_end_matches('/'));
    let mut ctx = Context::new();
    ctx.insert("root", "");
    ctx.insert("not_found", &NotFoundView { home, folders });
    ctx.insert(
        "page",
        &NotFoundPage {
            title: "Page not found",
            description: None,
            url: "404/",
            path: None,
            html: "",
            content: "",
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
    Ok(OutputFile::html(NOT_FOUND_PATH.into(), html))
}
