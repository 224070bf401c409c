//! The registries (exceptions/, incidents/): the same table once per ordering, each in a
//! folder of its own, so it sorts without JavaScript, and each ordering in pages of at most
//! [`PAGE_ROWS`] rows, so that no page of a large register holds thousands.
//!
//! A grouped ordering (by state, by severity) that fills more than one page starts each
//! group on a page of its own: its pages list that group only, which is how a reader
//! without JavaScript filters the register. With JavaScript, a paged registry loads every
//! row from `rows.js` beside it and sorts and filters them all (registry.js).
//!
//! Every ordering shows the same rows, so each row is rendered once by the row template
//! (`exception-row.html`, `incident-row.html`) with [`ROOT_MARK`] for its path to the site
//! root, and made for each page that shows it by putting the page's root in place of the
//! mark, one pass over the row's text: for a large register, rendering rows was most of the
//! work. A theme whose rows read `root` otherwise than to print it has them rendered once
//! for each depth of folder they are shown at, and shared by the pages at that depth.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use super::{CountView, Facts, PageMeta, SectionIntro, base_context, render_each, render_page};
use crate::diagnostics::Diagnostic;
use crate::model::links;
use crate::render::api::Parts;
use crate::render::{Fingerprint, Output, OutputFile, Pieces, Renderer, value};

/// The most rows a page of a registry holds.
const PAGE_ROWS: usize = 100;

/// The depths of folder a row is made for: 1 to 3, those of the registry's pages.
const DEPTHS: usize = 4;

/// What stands for a page's path to the site root in a row rendered for every depth at
/// once: a control character, which nothing a row shows can hold (the loader refuses them
/// in records, people and settings, and [`prints_root_only`] in the theme), and which HTML
/// escaping leaves as it is, as it does the `../` of a root.
const ROOT_MARK: char = '\u{1}';

/// A group of rows in an ordering, such as the active exceptions in the ordering by state.
#[derive(Clone, Copy, PartialEq)]
pub(super) struct Group {
    /// What the group's anchor is made of: `state` and `active` for `state-active`, which
    /// the first row of the group carries for counts to link to. The anchor is written out
    /// only for that row, where each of a large register's 20,000 rows wrote its own at
    /// each rebuild.
    pub anchor: (&'static str, &'static str),
    pub label: &'static str,
}

/// An ordering of a registry: the default one (`folder` is `None`) at the register's own
/// folder, the others below it.
pub(super) struct Order {
    pub key: &'static str,
    pub label: &'static str,
    pub folder: Option<&'static str>,
    pub descending: bool,
}

/// A row of a registry table.
pub(super) trait Row: Serialize + Sync {
    /// Sorts `positions`, indices into `rows` (which are in id order), for the ordering
    /// by `key`. Sorts are stable, so ties stay in id order.
    fn sort(rows: &[Self], positions: &mut [usize], key: &str)
    where
        Self: Sized;

    /// The group of the row in the ordering by `key`, when that ordering groups rows.
    fn group(&self, key: &str) -> Option<Group>;

    /// The id of the record the row shows.
    fn id(&self) -> &str;
}

/// One register's registry: its place, its orderings, and its rows in id order.
pub(super) struct Registry<'r, 'a, R> {
    pub url: &'static str,
    pub title: &'static str,
    pub template: &'static str,
    /// The template that renders one row, given `row` and `root`.
    pub row_template: &'static str,
    pub orders: &'static [Order],
    pub rows: &'r [R],
    /// What each row is made from, by row: a row's HTML and the pages that show it are
    /// kept while it is the same.
    pub keys: &'r [u64],
    pub open: usize,
    pub counts: Vec<CountView>,
    pub facts: &'r Facts<'a>,
}

/// A link to one ordering of a register.
#[derive(Serialize)]
struct SortLink {
    key: &'static str,
    label: &'static str,
    href: String,
    current: bool,
}

/// What a registry template sees as `registry`; `rows` is added as the rows' HTML.
#[derive(Serialize)]
struct RegistryView<'a> {
    total: usize,
    open: usize,
    counts: &'a [CountView],
    sorts: &'a [SortLink],
    /// Each ordering's first page by its key, for the column headers.
    hrefs: &'a BTreeMap<&'static str, String>,
    sorted_by: &'static str,
    /// `aria-sort` of the sorted column.
    direction: &'static str,
    sort_label: &'static str,
    intro: Option<SectionIntro<'a>>,
    /// The links between the pages of this ordering, when it has more than one.
    pager: Option<Pager>,
    /// The groups of this ordering and where each starts, when it is grouped and paged.
    groups: Vec<GroupLink>,
    /// Every row of the register for registry.js, from the site root, when it is paged.
    data: Option<String>,
}

/// The numbered links between the pages of an ordering, or of any list served in pages.
#[derive(Serialize)]
pub(super) struct Pager {
    /// Counted from 1.
    current: usize,
    total: usize,
    /// The first and last row of this page, counted from 1.
    first_row: usize,
    last_row: usize,
    prev: Option<String>,
    next: Option<String>,
    /// The first, the last and those around the current page, with gaps between.
    links: Vec<PageNumber>,
}

#[derive(Serialize)]
struct PageNumber {
    number: usize,
    href: String,
    current: bool,
    /// Pages left out before this one.
    gap_before: bool,
}

#[derive(Serialize)]
struct GroupLink {
    label: &'static str,
    count: usize,
    href: String,
    /// The pages it fills, counted from 1: `page 3` or `pages 3–7`.
    pages: String,
    current: bool,
}

/// An ordering laid out: its rows in order, each with the anchor it carries, and its pages.
struct Layout<'o> {
    order: &'o Order,
    rows: Vec<(usize, Option<String>)>,
    pages: Vec<Range<usize>>,
    /// Each group's label and rows, in order, when the ordering groups rows.
    groups: Vec<(&'static str, Range<usize>)>,
}

impl<R: Row> Registry<'_, '_, R> {
    fn order_url(&self, order: &Order) -> String {
        page_url(self.url, order.folder, 0)
    }

    fn layout<'o>(&self, order: &'o Order) -> Layout<'o> {
        let rows = ordered(self.rows, order.key);
        let mut groups: Vec<(&'static str, Range<usize>)> = Vec::new();
        for (at, &(i, _)) in rows.iter().enumerate() {
            let Some(Group { label, .. }) = self.rows[i].group(order.key) else {
                continue;
            };
            match groups.last_mut() {
                Some((last, range)) if *last == label => range.end = at + 1,
                _ => groups.push((label, at..at + 1)),
            }
        }
        let sizes: Vec<usize> = if groups.is_empty() {
            vec![rows.len()]
        } else {
            groups.iter().map(|(_, r)| r.len()).collect()
        };
        Layout {
            order,
            pages: pages(&sizes),
            rows,
            groups,
        }
    }

    /// Renders every page of every ordering into `out`, and `rows.js` when the registry
    /// has more than one page. The rows become template values and HTML only if some page
    /// is rendered rather than taken from an earlier build.
    pub fn render(&self, renderer: &Renderer, out: &Output) -> Vec<Diagnostic> {
        // A row's HTML reads the row, the page's path to the root, its anchor, and the
        // row template: kept between builds by those.
        let row_pieces = out.pieces(self.row_template, || {
            let mut shape = Fingerprint::default();
            shape.add(&renderer.fingerprint).add(self.row_template);
            shape.finish()
        });
        let marked = renderer
            .texts_reached_from(self.row_template)
            .is_some_and(|texts| prints_root_only(&texts));
        let shared = Shared::new(self.rows.len(), row_pieces, marked);
        let layouts: Vec<Layout> = self.orders.iter().map(|o| self.layout(o)).collect();
        let paged = self.rows.len() > PAGE_ROWS;
        let data = paged.then(|| format!("{}rows.js", self.url));
        let sorts: Vec<SortLink> = self
            .orders
            .iter()
            .map(|o| SortLink {
                key: o.key,
                label: o.label,
                href: links::page_href(&self.order_url(o)),
                current: false,
            })
            .collect();
        let hrefs = sorts.iter().map(|s| (s.key, s.href.clone())).collect();
        let context = PageContext {
            shared: &shared,
            sorts: &sorts,
            hrefs: &hrefs,
            data: data.as_deref(),
        };
        let pages: Vec<(&Layout, usize)> = layouts
            .iter()
            .flat_map(|l| (0..l.pages.len()).map(move |p| (l, p)))
            .collect();
        let mut diags = render_each(&pages, |&(layout, page)| {
            let rendered = self.render_page(renderer, out, &context, layout, page);
            rendered.or_else(|| shared.take_error())
        });
        if let Some(path) = &data {
            diags.extend(self.render_data(renderer, out, &shared, path));
            diags.extend(shared.take_error());
        }
        diags
    }

    fn render_page(
        &self,
        renderer: &Renderer,
        out: &Output,
        context: &PageContext,
        layout: &Layout,
        page: usize,
    ) -> Option<Diagnostic> {
        let facts = self.facts;
        let order = layout.order;
        let url = page_url(self.url, order.folder, page);
        let is_register = order.folder.is_none() && page == 0;
        let pages = layout.pages.len();
        let range = layout.pages[page].clone();
        let pager = (pages > 1)
            .then(|| pager(&layout.pages, page, |p| page_url(self.url, order.folder, p)));
        let groups = if pages > 1 {
            self.group_links(layout, page)
        } else {
            Vec::new()
        };
        let sorts: Vec<SortLink> = context
            .sorts
            .iter()
            .map(|s| SortLink {
                current: s.key == order.key,
                href: s.href.clone(),
                ..*s
            })
            .collect();
        let view = RegistryView {
            total: self.rows.len(),
            open: self.open,
            counts: &self.counts,
            sorts: &sorts,
            hrefs: context.hrefs,
            sorted_by: order.key,
            direction: if order.descending {
                "descending"
            } else {
                "ascending"
            },
            sort_label: order.label,
            intro: if is_register {
                facts.intro(self.url)
            } else {
                None
            },
            pager,
            groups,
            data: context.data.map(str::to_string),
        };
        let title = facts.register_title(self.url, self.title);
        let heading = match order.folder {
            None => title,
            Some(_) => format!("{title} by {}", order.label),
        };
        let page_meta = PageMeta {
            title: page_title(heading, page, pages),
            url: url.clone(),
            description: None,
        };
        let (crumbs, prev, next) = facts.register_place((self.url, self.title), is_register);
        let root = links::root_prefix(&url);
        let mut ctx = base_context(&page_meta, crumbs, prev, next);
        let view = &view;
        let shared = context.shared;
        let shown = &layout.rows[range];
        let made_from = move |fingerprint: &mut Fingerprint| {
            fingerprint
                .add(view)
                .add(
                    &shown
                        .iter()
                        .map(|(i, _)| self.keys[*i])
                        .collect::<Vec<u64>>(),
                )
                .add(shown);
        };
        ctx.insert_with("registry", made_from, move || {
            let rows: Vec<tera::Value> = shown
                .iter()
                .map(|(i, anchor)| {
                    let html = self.row_html(renderer, shared, *i, &root, anchor.as_deref());
                    tera::Value::from(html.unwrap_or_default())
                })
                .collect();
            with_field(value(view), "rows", tera::Value::from(rows))
        });
        render_page(renderer, out, self.template, ctx, &url)
    }

    /// The groups of a paged ordering, each linked to its first page.
    fn group_links(&self, layout: &Layout, page: usize) -> Vec<GroupLink> {
        let here = &layout.pages[page];
        layout
            .groups
            .iter()
            .map(|(label, rows)| {
                let first = page_of(&layout.pages, rows.start);
                let last = page_of(&layout.pages, rows.end - 1);
                let anchor = layout.rows[rows.start].1.clone().unwrap_or_default();
                GroupLink {
                    label,
                    count: rows.len(),
                    href: format!(
                        "{}#{anchor}",
                        links::page_href(&page_url(self.url, layout.order.folder, first))
                    ),
                    pages: if first == last {
                        format!("page {}", first + 1)
                    } else {
                        format!("pages {}–{}", first + 1, last + 1)
                    },
                    current: rows.contains(&here.start),
                }
            })
            .collect()
    }

    /// The HTML of row `i` for a page whose path to the site root is `root`, or `None` when
    /// the row template failed (the error is kept in `shared`). Where the theme allows it, a
    /// row is rendered once in this build with [`ROOT_MARK`] for its root, and made for each
    /// page by putting `root` in the mark's place; else it is rendered once for each depth
    /// and shared. A row that carries an anchor is rendered for its page alone.
    fn row_html(
        &self,
        renderer: &Renderer,
        shared: &Shared,
        i: usize,
        root: &str,
        anchor: Option<&str>,
    ) -> Option<String> {
        let render = |root: &str, anchor| {
            let made = self.row_piece(renderer, shared, i, root, anchor);
            let html = made.map_err(|d| shared.fail(d)).ok()?;
            Some(String::from_utf8_lossy(&html).into_owned())
        };
        let mark = &mut [0; 4];
        let (slot, rendered_at) = match shared.marked {
            true => (0, &*ROOT_MARK.encode_utf8(mark)),
            false => (root.len() / 3, root),
        };
        if anchor.is_some() || slot >= shared.slots {
            return render(root, anchor);
        }
        let html = shared.html[i * shared.slots + slot]
            .get_or_init(|| render(rendered_at, None).map(Arc::from));
        match shared.marked {
            true => html.as_deref().map(|html| html.replace(ROOT_MARK, root)),
            false => html.as_deref().map(str::to_string),
        }
    }

    /// The HTML of row `i` at `root` with `anchor`, kept between builds by the row, those
    /// two, and the row template.
    fn row_piece(
        &self,
        renderer: &Renderer,
        shared: &Shared,
        i: usize,
        root: &str,
        anchor: Option<&str>,
    ) -> Result<Arc<[u8]>, Diagnostic> {
        let make = || {
            let value = shared.values[i].get_or_init(|| value(&self.rows[i]));
            let row = match anchor {
                Some(a) => with_field(value.clone(), "anchor", a.into()),
                None => value.clone(),
            };
            let mut ctx = Context::new();
            ctx.insert_value("row", row);
            ctx.insert_value("root", root.into());
            renderer
                .render(self.row_template, &ctx)
                .map(String::into_bytes)
        };
        let inputs = || self.keys[i];
        shared
            .pieces
            .try_get((self.rows[i].id(), root, anchor), inputs, make)
    }

    /// `rows.js`: every row in id order, for registry.js to sort and filter the whole
    /// register. The rows are those the pages after an ordering's first show: their links
    /// start with `root`, which registry.js puts the page's own path to the site root in
    /// place of. Each row's HTML as a JSON string is kept between builds as its HTML is,
    /// so a rebuild escapes again only the rows that changed.
    fn render_data(
        &self,
        renderer: &Renderer,
        out: &Output,
        shared: &Shared,
        path: &str,
    ) -> Option<Diagnostic> {
        let fingerprint = out.caches().then(|| {
            let mut fingerprint = Fingerprint::default();
            fingerprint
                .add(self.keys)
                .add(&renderer.fingerprint)
                .add(self.row_template);
            fingerprint.finish()
        });
        out.take_cached(path, fingerprint, || {
            let root = links::root_prefix(&page_url(self.url, None, 1));
            let strings = out.pieces(self.url, || {
                let mut shape = Fingerprint::default();
                shape.add(&renderer.fingerprint).add(self.row_template);
                shape.finish()
            });
            let rows: Vec<Arc<[u8]>> = (0..self.rows.len())
                .into_par_iter()
                .map(|i| {
                    let inputs = || self.keys[i];
                    let made = strings.try_get((self.rows[i].id(), &root), inputs, || {
                        let html = self.row_html(renderer, shared, i, &root, None).ok_or(())?;
                        Ok::<_, ()>(serde_json::to_vec(&html).unwrap_or_default())
                    });
                    made.unwrap_or_else(|()| Arc::from(&b"\"\""[..]))
                })
                .collect();
            // As serde writes `{"root": root, "rows": rows}`.
            let mut head = b"window.SECBOOK_REGISTRY = {\"root\":".to_vec();
            head.extend(serde_json::to_vec(&root).unwrap_or_default());
            head.extend_from_slice(b",\"rows\":");
            let mut parts = Parts::default();
            parts.made(head).array(&rows).text(b"};\n");
            Ok(OutputFile {
                path: path.into(),
                body: parts.body(),
            })
        })
    }
}

/// What every page of a registry shares.
struct PageContext<'a> {
    shared: &'a Shared<'a>,
    sorts: &'a [SortLink],
    hrefs: &'a BTreeMap<&'static str, String>,
    data: Option<&'a str>,
}

/// What every ordering shares, each made once when first needed: each row as a template
/// value; whether the theme's rows are rendered once with [`ROOT_MARK`], and each row so
/// rendered, or else its HTML at each depth; the rows' HTML kept from earlier builds; and
/// the first error a row template gave.
struct Shared<'a> {
    values: Vec<OnceLock<tera::Value>>,
    /// Whether the theme's rows are rendered once with [`ROOT_MARK`] for their root.
    marked: bool,
    /// How many HTMLs of each row are kept: one marked, or one for each depth.
    slots: usize,
    /// The HTML of each row, `slots` a row.
    html: Vec<OnceLock<Option<Arc<str>>>>,
    pieces: Pieces<'a>,
    error: Mutex<Option<Diagnostic>>,
}

impl<'a> Shared<'a> {
    fn new(rows: usize, pieces: Pieces<'a>, marked: bool) -> Shared<'a> {
        let slots = if marked { 1 } else { DEPTHS };
        Shared {
            values: (0..rows).map(|_| OnceLock::new()).collect(),
            marked,
            slots,
            html: (0..rows * slots).map(|_| OnceLock::new()).collect(),
            pieces,
            error: Mutex::new(None),
        }
    }

    fn fail(&self, d: Diagnostic) {
        self.error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert(d);
    }

    /// The error a row template gave, to the first page that asks: it is reported once.
    fn take_error(&self) -> Option<Diagnostic> {
        self.error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// The folder of page `page` (from 0) of the ordering in `folder` of the register at `url`:
/// the ordering's own folder for its first page, `N/` below it for page N (counted from
/// 1), and `page/N/` for the default ordering's.
pub(super) fn page_url(url: &str, folder: Option<&str>, page: usize) -> String {
    match (folder, page) {
        (None, 0) => url.to_string(),
        (Some(f), 0) => format!("{url}{f}/"),
        (f, n) => format!("{url}{}/{}/", f.unwrap_or("page"), n + 1),
    }
}

/// The title of page `page` (from 0) of `pages`: `title` on the first, and after it the
/// page's number on the others, so that no two pages of a register share a title.
pub(super) fn page_title(title: String, page: usize, pages: usize) -> String {
    match page {
        0 => title,
        _ => format!("{title}, page {} of {pages}", page + 1),
    }
}

/// Renders a register that is one list of `len` rows, such as the action items or the
/// owners, from `template`, in pages of [`PAGE_ROWS`] past that (`page/2/`) as a registry's
/// default ordering is. `view` makes a page's value under `key` from the rows it shows,
/// its pager and whether it is the register's own page.
pub(super) fn render_list<V: Serialize>(
    facts: &Facts,
    renderer: &Renderer,
    out: &Output,
    (url, title): (&str, &str),
    (template, key): (&str, &'static str),
    len: usize,
    view: impl Fn(Range<usize>, Option<Pager>, bool) -> V + Sync + Send,
) -> Vec<Diagnostic> {
    let pages = pages(&[len]);
    let page_url = |p: usize| page_url(url, None, p);
    let heading = facts.register_title(url, title);
    let numbers: Vec<usize> = (0..pages.len()).collect();
    render_each(&numbers, |&p| {
        let pager = (pages.len() > 1).then(|| pager(&pages, p, page_url));
        let shown = view(pages[p].clone(), pager, p == 0);
        let page = PageMeta {
            title: page_title(heading.clone(), p, pages.len()),
            url: page_url(p),
            description: None,
        };
        let (crumbs, prev, next) = facts.register_place((url, title), p == 0);
        let mut ctx = base_context(&page, crumbs, prev, next);
        ctx.insert(key, &shown);
        render_page(renderer, out, template, ctx, &page.url)
    })
}

/// The links from page `page` of `pages` to the others, each page's folder by `url`.
pub(super) fn pager(pages: &[Range<usize>], page: usize, url: impl Fn(usize) -> String) -> Pager {
    let href = |p: usize| links::page_href(&url(p));
    let total = pages.len();
    let mut links = Vec::new();
    let mut last = None;
    for p in 0..total {
        if p == 0 || p + 1 == total || p.abs_diff(page) <= 2 {
            links.push(PageNumber {
                number: p + 1,
                href: href(p),
                current: p == page,
                gap_before: last.is_some_and(|l: usize| p > l + 1),
            });
            last = Some(p);
        }
    }
    Pager {
        current: page + 1,
        total,
        first_row: pages[page].start + 1,
        last_row: pages[page].end,
        prev: page.checked_sub(1).map(href),
        next: (page + 1 < total).then(|| href(page + 1)),
        links,
    }
}

/// Splits rows that come in groups of `sizes` (one group for an ordering that does not
/// group) into pages of at most [`PAGE_ROWS`]. When they fill more than one page, each
/// group starts a page of its own, so that a page lists one group.
pub(super) fn pages(sizes: &[usize]) -> Vec<Range<usize>> {
    let total: usize = sizes.iter().sum();
    if total <= PAGE_ROWS {
        return std::iter::once(0..total).collect();
    }
    let mut out = Vec::new();
    let mut start = 0;
    for size in sizes {
        let end = start + size;
        while start < end {
            let stop = (start + PAGE_ROWS).min(end);
            out.push(start..stop);
            start = stop;
        }
    }
    out
}

/// The page that holds row `at`.
fn page_of(pages: &[Range<usize>], at: usize) -> usize {
    pages.iter().position(|r| r.contains(&at)).unwrap_or(0)
}

/// [`group_href`] for the group `group` of an ordering whose groups are `groups`, in its
/// order, each record's group given by `of`: the groups' sizes counted in one reading.
pub(super) fn group_href_of<K: PartialEq>(
    url: &str,
    folder: &str,
    groups: &[K],
    of: impl IntoIterator<Item = K>,
    group: &K,
    anchor: &str,
) -> String {
    let mut sizes = vec![0; groups.len()];
    for k in of {
        if let Some(i) = groups.iter().position(|g| *g == k) {
            sizes[i] += 1;
        }
    }
    let index = groups.iter().position(|g| g == group).unwrap_or(0);
    group_href(url, folder, &sizes, index, anchor)
}

/// The link to the first row of group `index`, whose anchor is `anchor`, in an ordering in
/// `folder` of the register at `url` whose groups have `sizes`: what counts of a state or
/// a severity link to.
pub(super) fn group_href(
    url: &str,
    folder: &str,
    sizes: &[usize],
    index: usize,
    anchor: &str,
) -> String {
    let start: usize = sizes[..index.min(sizes.len())].iter().sum();
    let page = page_of(&pages(sizes), start);
    format!(
        "{}#{anchor}",
        links::page_href(&page_url(url, Some(folder), page))
    )
}

/// The rows in the ordering by `key`, as positions into `rows`, each with the anchor of
/// the group it opens, if any.
pub(super) fn ordered<R: Row>(rows: &[R], key: &str) -> Vec<(usize, Option<String>)> {
    let mut positions: Vec<usize> = (0..rows.len()).collect();
    R::sort(rows, &mut positions, key);
    let mut last = None;
    positions
        .into_iter()
        .map(|i| {
            let group = rows[i].group(key).map(|g| g.anchor);
            let opens = group.is_some() && group != last;
            last = group;
            let anchor = group.filter(|_| opens);
            (i, anchor.map(|(kind, value)| format!("{kind}-{value}")))
        })
        .collect()
}

/// Whether the templates `texts` read `root` only to print it (`{{ root }}`) or to hand
/// it to a component under its own name (`root={root}`, a component's parameter `root`):
/// then a row rendered with [`ROOT_MARK`] for its root is the row at any depth once the
/// root is put in place of the mark. A theme that tests, filters or joins `root` has its
/// rows rendered per depth. The text between tags, and comments, may say `root` freely.
fn prints_root_only(texts: &[&str]) -> bool {
    texts.iter().all(|text| {
        let text = without_comments(text);
        !text.contains(ROOT_MARK)
            && !text.contains("__tera_context")
            && !text.contains("endfilter")
            && text
                .match_indices("root")
                .all(|(at, _)| root_is_printed(&text, at))
    })
}

/// Whether the `root` at `at` in `text` is not the value `root`, or is printed or handed on
/// as [`prints_root_only`] allows.
fn root_is_printed(text: &str, at: usize) -> bool {
    let name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let (before, after) = (&text[..at], &text[at + "root".len()..]);
    if before.ends_with(|c: char| name(c) || c == '.') || after.starts_with(name) {
        return true;
    }
    let open = before.rfind("{{").max(before.rfind("{%"));
    let Some(tag) = open.map(|open| &before[open..]) else {
        return true;
    };
    // The last tag opened before `root` is closed before it, so `root` is text between
    // tags: unless a string in that tag holds what looked like its end (`{{ "}}" ~ root }}`).
    if let Some(close) = [tag.find("}}"), tag.find("%}")].into_iter().flatten().min() {
        return !tag[..close].contains(['"', '\'', '`']);
    }
    let (b, a) = (before.trim_end(), after.trim_start());
    let printed =
        (b.ends_with("{{") || b.ends_with("{{-")) && (a.starts_with("}}") || a.starts_with("-}}"));
    let handed_on =
        after.starts_with("={root}") || (before.ends_with("root={") && after.starts_with('}'));
    let parameter = tag
        .trim_start_matches(['{', '%', '-'])
        .trim_start()
        .starts_with("component ");
    printed || handed_on || parameter
}

/// `text` with a space in place of each `{# comment #}`.
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{#") {
        out.push_str(&rest[..start]);
        out.push(' ');
        rest = rest[start..]
            .find("#}")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    out.push_str(rest);
    out
}

/// The map `map` with `key` set to `field`; the other fields are shared, not copied.
fn with_field(map: tera::Value, key: &'static str, field: tera::Value) -> tera::Value {
    let mut map = map.into_map().unwrap_or_default();
    map.insert(key.into(), field);
    tera::Value::from(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Plain(&'static str, &'static str);

    impl Row for Plain {
        fn sort(rows: &[Self], positions: &mut [usize], key: &str) {
            if key == "rank" {
                positions.sort_by_key(|&i| rows[i].1);
            }
        }

        fn group(&self, key: &str) -> Option<Group> {
            (key == "rank").then_some(Group {
                anchor: ("rank", self.1),
                label: "rank",
            })
        }

        fn id(&self) -> &str {
            self.0
        }
    }

    #[test]
    fn the_default_themes_rows_are_rendered_once_for_every_depth() {
        let texts = [
            include_str!("../../../themes/default/templates/exception-row.html"),
            include_str!("../../../themes/default/templates/incident-row.html"),
            include_str!("../../../themes/default/templates/record-components.html"),
            include_str!("../../../themes/default/templates/components.html"),
        ];
        assert!(prints_root_only(&texts));
    }

    #[test]
    fn only_a_root_printed_or_handed_on_lets_rows_be_rendered_once() {
        let printed = [
            "<a href=\"{{ root }}{{ row.href }}\">{# the root #}</a> the site root",
            "{{- root -}}{{ row.root | upper }}{{ <link root={root}/> }}",
            "{% component link(root, uproot) -%}{{ root }}{%- endcomponent link %}",
        ];
        for text in printed {
            assert!(prints_root_only(&[text]), "{text}");
        }
        let read = [
            "{% if root == \"../\" %}up{% endif %}",
            "{{ root | length }}",
            "{{ root ~ row.href }}",
            "{% set base = root %}{{ base }}",
            "{{ <link base={root}/> }}",
            "{{ <link root={root | upper}/> }}",
            "{% filter upper %}{{ root }}{% endfilter %}",
            "{{ __tera_context }}",
            "\u{1}{{ root }}",
            "{{ \"}}\" ~ root }}",
            "{% set x = '%}' ~ root %}",
        ];
        for text in read {
            assert!(!prints_root_only(&[text]), "{text}");
        }
    }

    #[test]
    fn orderings_are_stable_and_anchor_the_first_row_of_each_group() {
        let rows = [
            Plain("a", "2"),
            Plain("b", "1"),
            Plain("c", "2"),
            Plain("d", "1"),
        ];
        let by_rank = ordered(&rows, "rank");
        let ids: Vec<(&str, Option<&str>)> = by_rank
            .iter()
            .map(|(i, a)| (rows[*i].0, a.as_deref()))
            .collect();
        assert_eq!(
            ids,
            [
                ("b", Some("rank-1")),
                ("d", None),
                ("a", Some("rank-2")),
                ("c", None)
            ]
        );
        let by_id: Vec<(usize, Option<String>)> = ordered(&rows, "id");
        assert_eq!(by_id, [(0, None), (1, None), (2, None), (3, None)]);
    }

    #[test]
    fn a_shared_row_gains_a_field_without_changing_the_original() {
        let original = value(&serde_json::json!({"id": "EXC-1"}));
        let anchored = with_field(original.clone(), "anchor", "state-active".into());
        assert_eq!(
            value(&serde_json::json!({"id": "EXC-1", "anchor": "state-active"})),
            anchored
        );
        assert_eq!(value(&serde_json::json!({"id": "EXC-1"})), original);
    }

    #[test]
    fn rows_that_fit_one_page_share_it_whatever_their_groups() {
        let one_page = |rows: usize| {
            vec![Range {
                start: 0,
                end: rows,
            }]
        };
        assert_eq!(pages(&[3, 0, 4]), one_page(7));
        assert_eq!(pages(&[]), one_page(0));
        assert_eq!(pages(&[PAGE_ROWS]), one_page(PAGE_ROWS));
    }

    #[test]
    fn each_group_of_a_paged_ordering_starts_a_page() {
        let n = PAGE_ROWS;
        assert_eq!(pages(&[n + 1]), [0..n, n..n + 1]);
        assert_eq!(
            pages(&[2, 0, n, 1]),
            [0..2, 2..n + 2, n + 2..n + 3],
            "an empty group has no page"
        );
        // A link to a group lands on the page where it starts.
        assert_eq!(
            group_href("exceptions/", "by-state", &[2, 0, n, 1], 3, "state-x"),
            "exceptions/by-state/3/index.html#state-x"
        );
        assert_eq!(
            group_href("exceptions/", "by-state", &[2, 3], 1, "state-y"),
            "exceptions/by-state/index.html#state-y"
        );
    }

    #[test]
    fn pages_after_the_first_sit_one_folder_down() {
        assert_eq!(page_url("incidents/", None, 0), "incidents/");
        assert_eq!(page_url("incidents/", None, 1), "incidents/page/2/");
        assert_eq!(
            page_url("incidents/", Some("by-status"), 0),
            "incidents/by-status/"
        );
        assert_eq!(
            page_url("incidents/", Some("by-status"), 4),
            "incidents/by-status/5/"
        );
    }
}
