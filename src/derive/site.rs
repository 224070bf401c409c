//! The site as it will be written: the section tree, navigation, and the links of every
//! page and record resolved against the whole handbook. Built from loaded content.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::diagnostics::{Diagnostic, SourceFile, closest};
use crate::load::config::MarkdownConfig;
use crate::load::content::{Content, Page, Unused};
use crate::load::markdown::{self, Document};
use crate::load::records::{Record, Records, Shared, StandIn, Unloaded, file_id};
use crate::load::reuse::{FromFile, PerFile};
use crate::load::yaml::{self, Seg};
use crate::model::exception::Exception;
use crate::model::incident::Incident;
use crate::model::links::{self, Named, Target, Unsafe};
use crate::model::related::Related;
use crate::model::site_files;

/// How many entries either side of the current one a section shows in the sidebar.
const NAV_AROUND: usize = 10;
/// A section with up to this many entries shows them all in the sidebar. A larger one
/// shows those around the current page and a link to its listing, so that a page's
/// sidebar stays small however many pages share its folder: the site grows in step with
/// its pages, not with their square, and a page of a large handbook stays a few kilobytes.
const NAV_ALL: usize = 2 * NAV_AROUND + 1;
/// How many missing targets of one file get a "did you mean" hint: each is compared with
/// every page or record.
const HINTED: usize = 100;

/// A folder of content/, with or without an `_index.md`.
#[derive(Debug, Clone)]
pub struct Section {
    pub url: String,
    pub title: String,
    pub weight: Option<i64>,
    /// The `_index.md` page, when the folder has one.
    pub index: Option<usize>,
    pub children: Vec<Child>,
    /// The section that lists this one, and where among its children: none for the root.
    parent: Option<(usize, usize)>,
}

/// An entry in a section: a page or a subsection, ordered by weight then title, those
/// without a weight after those with one, as Hugo orders them: a page added to a section
/// of weighted pages goes to its end, not its start.
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

/// An entry of the sidebar.
#[derive(Debug, Clone, Serialize)]
pub struct NavItem {
    pub title: String,
    /// The entry's folder, for the template to tell the current page and its ancestors.
    pub url: String,
    pub href: String,
    pub children: Vec<NavItem>,
    /// A link to the listing of a section whose entries the sidebar shows only in part.
    pub more: bool,
}

/// A link from one page to another, as the templates use it.
#[derive(Debug, Clone, Serialize)]
pub struct PageLink {
    pub title: String,
    pub href: String,
}

/// The ids that `exception:ID` and `incident:ID` links may name.
#[derive(Debug, Default)]
struct RecordIds {
    exceptions: Ids,
    incidents: Ids,
    unloaded: Unloaded,
}

/// Ids in order, each once, in one text: made at each build, where a set of a large
/// register's 25,000 ids took as many allocations, one after another.
#[derive(Debug, Default, Hash)]
struct Ids {
    text: String,
    /// Where each id lies in `text`.
    spans: Vec<Range<usize>>,
}

impl Ids {
    fn of<'a>(ids: impl Iterator<Item = &'a str>) -> Ids {
        let mut ids: Vec<&str> = ids.collect();
        // The records come in id order, each once: this only guards that.
        if !ids.is_sorted_by(|a, b| a < b) {
            ids.sort_unstable();
            ids.dedup();
        }
        let mut text = String::with_capacity(ids.iter().map(|id| id.len()).sum());
        let spans = (ids.iter())
            .map(|id| {
                let start = text.len();
                text.push_str(id);
                start..text.len()
            })
            .collect();
        Ids { text, spans }
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        self.spans.iter().map(|span| &self.text[span.clone()])
    }

    fn contains(&self, id: &str) -> bool {
        (self.spans)
            .binary_search_by(|span| self.text[span.clone()].cmp(id))
            .is_ok()
    }
}

pub struct Site {
    pub pages: Vec<Arc<Page>>,
    /// Index 0 is the root section, the home page.
    pub sections: Vec<Section>,
    /// The sidebar of pages outside the content tree (the registers, search): every
    /// section with the entries it shows when none of them is current.
    pub nav: Vec<NavItem>,
    /// Each page's resolved link targets, written relative to the page.
    pub link_targets: Vec<Vec<String>>,
    /// Pages and sections in reading order, for previous and next links.
    pub reading_order: Vec<Child>,
    section_by_url: HashMap<String, usize>,
    /// Each page but an `_index.md`, by its URL: a register shows the page written to its
    /// folder.
    page_by_url: HashMap<String, usize>,
    /// For each page but an `_index.md`: its section, and where among its children.
    page_place: Vec<Option<(usize, usize)>>,
    page_by_path: HashMap<String, usize>,
    /// The pages whose paths hold letters beyond ASCII, by their paths in Unicode's
    /// composed form: a link typed `café.md` names the file a Mac saved as `cafe\u{301}.md`.
    page_by_composed_path: HashMap<String, usize>,
    /// Pages that exist but could not be loaded; links to them are not reported again.
    unreadable: Unused,
    /// The drafts left out of the build, by path below content/.
    drafts: BTreeSet<String>,
    records: RecordIds,
    /// The other paths the site holds (static files, assets), which links may name too.
    files: BTreeSet<String>,
    /// Where each file beside the pages is written, by its path below content/: a link
    /// names it by its own name, which its path in the site may spell otherwise.
    asset_at: BTreeMap<String, String>,
    remote_images: bool,
    /// What links may name but an audience may not read: a link to it keeps its text only.
    restricted: BTreeSet<Named>,
    /// See [`Site::links_key`]: made once, for the several fingerprints that hold it.
    links_key: OnceLock<u64>,
}

/// Where a Markdown text is, which its links are resolved from.
struct Origin<'a> {
    /// The folder below content/ that its relative links start from.
    dir: &'a str,
    /// The folder of the page it is shown on, which its links are written relative to.
    url: &'a str,
    /// The document whose headings its `#anchor` links name, when they are checked.
    doc: Option<&'a Document>,
}

impl<'a> Origin<'a> {
    /// A record's Markdown, on the record's page (`exceptions/EXC-1/`): its links are
    /// resolved as a page's in its register's folder would be (`../runbooks/x.md` names
    /// content/runbooks/x.md). Its `#anchor` links may name any heading of the record's
    /// page, which the theme makes, so they are not checked.
    fn record(url: &'a str) -> Self {
        Origin {
            dir: url.split('/').next().unwrap_or_default(),
            url,
            doc: None,
        }
    }
}

impl Site {
    /// The folder of content/ that section `i` is made from, as its pages' files spell it
    /// (its URL is the folder's name made fit for an address): the first page found below
    /// it names it.
    pub fn section_folder(&self, i: usize) -> Option<String> {
        let depth = self.sections[i].url.matches('/').count();
        let mut next = vec![i];
        while let Some(s) = next.pop() {
            for child in &self.sections[s].children {
                match *child {
                    Child::Page(p) => {
                        let parts = self.pages[p].path.split('/').take(depth);
                        return Some(parts.fold("content/".to_string(), |folder, part| {
                            format!("{folder}{part}/")
                        }));
                    }
                    Child::Section(c) => next.push(c),
                }
            }
        }
        None
    }

    /// Arranges the pages into sections and resolves every link of the pages and of the
    /// records' Markdown. `files` are the other paths the site will hold (static files,
    /// assets), which links may name too.
    /// The checks of the records' links are taken from those `kept` for a record whose
    /// file and whose site (see [`Site::links_key`]) are as they were.
    pub fn assemble(
        content: Content,
        records: &Records,
        files: BTreeSet<String>,
        markdown: &MarkdownConfig,
        kept: Option<&KeptChecks>,
    ) -> (Site, Vec<Diagnostic>) {
        let (site, mut diags) = Site::arrange(content, records, files, markdown, BTreeSet::new());
        diags.extend(site.check_records(records, kept));
        (site, diags)
    }

    /// [`Site::assemble`] for an audience's view: a link to what is `restricted` (left out
    /// of `content` and `records`) resolves to [`links::RESTRICTED`], not to an error.
    pub fn assemble_view(
        content: Content,
        records: &Records,
        files: BTreeSet<String>,
        markdown: &MarkdownConfig,
        restricted: BTreeSet<Named>,
    ) -> (Site, Vec<Diagnostic>) {
        let (site, mut diags) = Site::arrange(content, records, files, markdown, restricted);
        diags.extend(site.check_records(records, None));
        (site, diags)
    }

    /// The site of [`Site::assemble_view`], with the checks of its pages' links.
    fn arrange(
        content: Content,
        records: &Records,
        files: BTreeSet<String>,
        markdown: &MarkdownConfig,
        restricted: BTreeSet<Named>,
    ) -> (Site, Vec<Diagnostic>) {
        let mut pages = content.pages;
        pages.sort_by(|a, b| a.path.cmp(&b.path));
        let (sections, page_place) = build_sections(&pages);
        let mut reading_order = Vec::new();
        walk_reading_order(&sections, 0, &mut reading_order);
        let mut site = Site {
            section_by_url: sections
                .iter()
                .enumerate()
                .map(|(i, s)| (s.url.clone(), i))
                .collect(),
            page_by_path: pages
                .iter()
                .enumerate()
                .map(|(i, p)| (p.path.clone(), i))
                .collect(),
            page_by_composed_path: (pages.iter().enumerate())
                .filter(|(_, p)| !p.path.is_ascii())
                .map(|(i, p)| (p.path.nfc().collect(), i))
                .collect(),
            page_by_url: (pages.iter().enumerate())
                .filter(|(_, p)| !p.is_section_index())
                .map(|(i, p)| (p.url.clone(), i))
                .collect(),
            pages,
            sections,
            nav: Vec::new(),
            link_targets: Vec::new(),
            reading_order,
            page_place,
            unreadable: content.unreadable,
            drafts: content.drafts,
            records: RecordIds {
                exceptions: Ids::of(records.exceptions.iter().map(|e| e.record.id.as_str())),
                incidents: Ids::of(records.incidents.iter().map(|i| i.record.id.as_str())),
                unloaded: records.unloaded.clone(),
            },
            files,
            asset_at: (content.assets.iter())
                .map(|a| (a.source.clone(), a.to.clone()))
                .collect(),
            remote_images: markdown.allow_remote_images,
            restricted,
            links_key: OnceLock::new(),
        };
        site.nav = site.nav_level(0, None);
        let resolved: Vec<(Vec<String>, Vec<Diagnostic>)> = site
            .pages
            .par_iter()
            .map(|page| site.resolve_page(page))
            .collect();
        let mut diags = Vec::new();
        for (targets, errors) in resolved {
            site.link_targets.push(targets);
            diags.extend(errors);
        }
        diags.extend(too_deep(&site.pages));
        (site, diags)
    }

    /// The checks of the links in the records' Markdown, the loaded records' and the
    /// [`StandIn`]s of those that did not load.
    fn check_records(&self, records: &Records, kept: Option<&KeptChecks>) -> Vec<Diagnostic> {
        let mut diags = self.check_loaded_records(records, kept);
        let stand_ins = records.stand_ins.iter().map(RecordText::of);
        diags.extend(stand_ins.flat_map(|t| self.check_record_text(&t, false)));
        self.hinted(records, diags)
    }

    /// `diags` of the records' links with a "did you mean" for each link that leads
    /// nowhere in the first record files that have one, in the records' order, until
    /// [`HINTED`] such links are told. Each is compared with every record's id, so a hint
    /// for every one of a register's broken links would take the square of its size; the
    /// checks made without them are each record's own, and `serve` keeps them.
    fn hinted(&self, records: &Records, mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
        let mut broken: ahash::HashMap<&str, usize> = ahash::HashMap::default();
        let errors = diags
            .iter()
            .filter(|d| d.level == crate::diagnostics::Level::Error);
        for file in errors.filter_map(|d| d.file.as_deref()) {
            *broken.entry(file.name.as_str()).or_default() += 1;
        }
        if broken.is_empty() {
            return diags;
        }
        let texts: Vec<RecordText> = (record_texts(records).into_iter())
            .chain(records.stand_ins.iter().map(RecordText::of))
            .collect();
        let (mut chosen, mut told) = (ahash::HashSet::default(), 0);
        for name in texts.iter().map(|t| t.source.name.as_str()) {
            if told >= HINTED {
                break;
            }
            if let Some(n) = broken.get(name)
                && chosen.insert(name)
            {
                told += n;
            }
        }
        diags.retain(|d| !(d.file.as_deref()).is_some_and(|f| chosen.contains(f.name.as_str())));
        let texts = texts
            .iter()
            .filter(|t| chosen.contains(t.source.name.as_str()));
        diags.extend(texts.flat_map(|t| self.check_record_text(t, true)));
        diags
    }

    /// The checks of the links in the loaded records' Markdown, each record's taken from
    /// `kept` when its file and this site's [`Site::links_key`] are as they were, which
    /// leaves this build's there.
    fn check_loaded_records(
        &self,
        records: &Records,
        kept: Option<&KeptChecks>,
    ) -> Vec<Diagnostic> {
        let Some(kept) = kept else {
            return record_texts(records)
                .par_iter()
                .flat_map_iter(|t| self.check_record_text(t, false))
                .collect();
        };
        let site = self.links_key();
        if let Some(all) = kept.unchanged(site, records.sources()) {
            return all;
        }
        let was = kept.take();
        // A record's texts are listed only when its checks are made again.
        let check = |texts: Vec<RecordText>| -> Vec<Diagnostic> {
            texts
                .iter()
                .flat_map(|t| self.check_record_text(t, false))
                .collect()
        };
        let exceptions = records.exceptions.par_iter().map(|e| {
            FromFile::make(&was, &e.source, site, || {
                check(texts_of(std::slice::from_ref(e), &[]))
            })
        });
        let incidents = records.incidents.par_iter().map(|i| {
            FromFile::make(&was, &i.source, site, || {
                check(texts_of(&[], std::slice::from_ref(i)))
            })
        });
        let made = exceptions.chain(incidents).collect();
        kept.keep(site, was, made)
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

    /// The section whose folder is `url`, when content/ has that folder.
    pub fn section_at(&self, url: &str) -> Option<&Section> {
        self.section_by_url.get(url).map(|&i| &self.sections[i])
    }

    /// The page at `path` below content/, written in either of Unicode's forms.
    fn page_index(&self, path: &str) -> Option<usize> {
        if let Some(&i) = self.page_by_path.get(path) {
            return Some(i);
        }
        if path.is_ascii() {
            return None;
        }
        let composed: String = path.nfc().collect();
        self.page_by_composed_path.get(&composed).copied()
    }

    /// The Markdown file of the page a link names by where the site serves it, as a
    /// Hugo or Zola user writes a link: `rb/`, `other/`, `other.html`, `rb/index.html`.
    fn page_served_at(&self, path: &str) -> Option<&str> {
        let url = match path.strip_suffix("index.html") {
            Some(folder) => folder.to_string(),
            None => format!("{}/", path.trim_end_matches(".html").trim_end_matches('/')),
        };
        let url = url.trim_start_matches('/');
        let i = (self.page_at(url))
            .or_else(|| self.page_index(&format!("{url}_index.md")))
            .or_else(|| self.page_index(&format!("{url}index.md")))?;
        Some(self.pages[i].path.as_str())
    }

    /// The page, not a section's `_index.md`, written to `url`.
    pub fn page_at(&self, url: &str) -> Option<usize> {
        self.page_by_url.get(url).copied()
    }

    /// The sections from the root down to the one that holds `url`, not counting `url` itself.
    pub fn ancestors(&self, url: &str) -> Vec<&Section> {
        let mut out = Vec::new();
        if !url.is_empty() {
            out.extend(self.section_at(""));
        }
        let segments: Vec<&str> = url.split('/').filter(|s| !s.is_empty()).collect();
        let mut prefix = String::new();
        for seg in segments.iter().take(segments.len().saturating_sub(1)) {
            prefix.push_str(seg);
            prefix.push('/');
            out.extend(self.section_at(&prefix));
        }
        out
    }

    /// The HTML of page `i`, its links resolved.
    pub fn page_html(&self, i: usize) -> String {
        self.pages[i]
            .doc
            .render(&self.link_targets[i], self.remote_images)
    }

    /// What links may name but the audience may not read. The records an audience reads
    /// are shaped by it (their links to it and `related` entries naming it are dropped),
    /// so what is kept of them is kept with it.
    pub fn restricted(&self) -> &BTreeSet<Named> {
        &self.restricted
    }

    /// A hash of all that [`Site::record_html`] reads besides the text: the pages' paths,
    /// folders and anchors (headings' and footnotes' ids), the records' ids, the other
    /// files, and what links may not name. What a record's page shows is fingerprinted by
    /// it rather than by the HTML.
    pub fn links_key(&self) -> u64 {
        *self.links_key.get_or_init(|| {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            for page in &self.pages {
                (&page.path, &page.url).hash(&mut hasher);
                for anchor in page.doc.anchors() {
                    anchor.hash(&mut hasher);
                }
            }
            let records = &self.records;
            (&self.unreadable, &self.drafts).hash(&mut hasher);
            (&records.exceptions, &records.incidents).hash(&mut hasher);
            records.unloaded.hash(&mut hasher);
            (&self.files, &self.asset_at).hash(&mut hasher);
            (self.remote_images, &self.restricted).hash(&mut hasher);
            hasher.finish()
        })
    }

    /// The Markdown `field` (its key, `impact.notes` say) of the record whose page is at
    /// `url`, shown under a heading of level `under`, safe to insert unescaped: raw HTML
    /// escaped, images on other hosts shown as links, and its links resolved as
    /// [`Origin::record`] says. A link that leads nowhere was reported by `assemble`. Its
    /// ids start with the field's key ([`field_prefix`]), and its headings go below `under`.
    pub fn record_html(&self, url: &str, field: &str, under: u8, text: &str) -> String {
        let origin = Origin::record(url);
        markdown::render_untrusted(text, &field_prefix(field), under, |dest| {
            self.resolve(&origin, dest, false).0
        })
    }

    /// The Markdown `field` of the record whose page is at `url`, for a reader outside the
    /// site (the OSCAL export), which cannot follow `exception:EXC-1` or `../runbooks/x.md`:
    /// each link that leads into the site led to where it does on the record's page, written
    /// from `root` (where the site's top is, from the reader: `../`, an absolute base URL),
    /// or without a `root` written as its text. `None` when no link changes.
    pub fn record_markdown(
        &self,
        url: &str,
        field: &str,
        text: &str,
        root: Option<&str>,
    ) -> Option<String> {
        // A link opens with one or the other.
        if !text.contains(['[', '<']) {
            return None;
        }
        let origin = Origin {
            url: "",
            ..Origin::record(url)
        };
        let doc = std::cell::OnceCell::new();
        let doc = || doc.get_or_init(|| Document::parse_field(text, false, &field_prefix(field)));
        markdown::relink(text, |dest| {
            let target = links::classify(dest);
            let led = match target {
                Target::External(_) => return None,
                // Its own heading, or the page's, is a heading of the record's page.
                Target::Anchor(a) => Some(match doc().anchor_id(&links::decode(a)) {
                    Some(id) => format!("{}{}", links::page_href(url), links::fragment(id)),
                    None if a.is_empty() => links::page_href(url),
                    None => format!("{}#{a}", links::page_href(url)),
                }),
                _ => (self.resolve_target(&origin, target, false).ok())
                    .filter(|to| to != "#" && to != links::RESTRICTED),
            };
            Some(match (root, led) {
                (Some(root), Some(to)) => markdown::Relink::To(format!("{root}{to}")),
                _ => markdown::Relink::Text(""),
            })
        })
    }

    /// Every link from a page or a record to a page or a record that exists, in Markdown,
    /// in a `related` list or as an incident's postmortem page, that `keep` takes: only
    /// those are looked for in their file.
    pub fn cross_links<'a>(
        &'a self,
        records: &'a Records,
        keep: impl Fn(&Named, &Named) -> bool + Sync,
    ) -> Vec<CrossLink<'a>> {
        let exists = |to: &Named| match to {
            Named::Page(path) => self.page_index(path).is_some(),
            Named::Exception(id) => self.records.exceptions.contains(id),
            Named::Incident(id) => self.records.incidents.contains(id),
            Named::File(_) => false,
        };
        let wanted = |from: &Named, dir: &str, dest: &str| {
            links::named(dir, dest).filter(|to| exists(to) && keep(from, to))
        };
        let mut out: Vec<CrossLink> = self
            .pages
            .par_iter()
            .flat_map_iter(|page| {
                let from = Named::Page(page.path.clone());
                let found: Vec<CrossLink> = page
                    .doc
                    .links
                    .iter()
                    .filter_map(|link| {
                        Some(CrossLink {
                            to: wanted(&from, page.dir(), &link.dest)?,
                            from: from.clone(),
                            source: &page.source,
                            span: link.span.clone(),
                        })
                    })
                    .collect();
                found
            })
            .collect();
        let texts = record_texts(records);
        out.par_extend(texts.par_iter().flat_map_iter(|t| {
            let doc = Document::parse_text(t.text, false);
            let dir = Origin::record(&t.url).dir;
            let targets: Vec<Option<Named>> = doc
                .links
                .iter()
                .map(|link| wanted(&t.subject, dir, &link.dest))
                .collect();
            let mut found = Vec::new();
            if targets.iter().any(Option::is_some) {
                // Each link is looked for after the one before it, kept or not.
                let mut written = Written::new(t.source, t.path);
                for (link, to) in doc.links.iter().zip(targets) {
                    let span = written.find(&t.text[link.span.clone()]);
                    if let Some(to) = to {
                        found.push(CrossLink {
                            from: t.subject.clone(),
                            to,
                            source: t.source,
                            span,
                        });
                    }
                }
            }
            found
        }));
        let listed = |from: Named,
                      source: &'a Arc<SourceFile>,
                      related: &Related,
                      out: &mut Vec<CrossLink<'a>>| {
            let lists = [
                (
                    "exceptions",
                    &related.exceptions,
                    Named::Exception as fn(String) -> Named,
                ),
                ("incidents", &related.incidents, Named::Incident),
                ("pages", &related.pages, |p: String| {
                    Named::Page(links::content_path(&p).to_string())
                }),
            ];
            for (key, names, named) in lists {
                for (i, name) in names.iter().enumerate() {
                    let to = named(name.clone());
                    if exists(&to) && keep(&from, &to) {
                        let path = [Seg::Key("related"), Seg::Key(key), Seg::Index(i)];
                        let span = yaml::locate(source, &path).map_or(0..0, |p| p.value);
                        out.push(CrossLink {
                            from: from.clone(),
                            to,
                            source,
                            span,
                        });
                    }
                }
            }
        };
        for e in &records.exceptions {
            listed(
                Named::Exception(e.record.id.clone()),
                &e.source,
                &e.record.related,
                &mut out,
            );
        }
        for i in &records.incidents {
            let from = Named::Incident(i.record.id.clone());
            listed(from.clone(), &i.source, &i.record.related, &mut out);
            let page = i.record.postmortem.as_ref().and_then(|p| p.page.as_deref());
            if let Some(to) = page.map(|p| Named::Page(links::content_path(p).to_string()))
                && exists(&to)
                && keep(&from, &to)
            {
                out.push(CrossLink {
                    span: i.span(&[Seg::Key("postmortem"), Seg::Key("page")]),
                    from,
                    to,
                    source: &i.source,
                });
            }
        }
        out
    }

    /// The sidebar of a page or section: the entries of each section from the root down
    /// to it, each section on the way open.
    pub fn nav_for(&self, child: Child) -> Vec<NavItem> {
        let mut path = Vec::new();
        let mut place = match child {
            Child::Page(p) => self.page_place[p],
            Child::Section(s) => self.sections[s].parent,
        };
        while let Some((section, position)) = place {
            path.push(position);
            place = self.sections[section].parent;
        }
        path.reverse();
        self.nav_level(0, Some(&path))
    }

    /// The entries of `section` in the sidebar. The sections open are those along `path`,
    /// the position of the entry to open at each level; every section without a path.
    fn nav_level(&self, section: usize, path: Option<&[usize]>) -> Vec<NavItem> {
        let children = &self.sections[section].children;
        let here = path.and_then(|p| p.first().copied());
        let shown = window(children.len(), here);
        let mut items: Vec<NavItem> = shown
            .clone()
            .map(|position| {
                let child = children[position];
                let open = match (child, path) {
                    (Child::Page(_), _) => None,
                    (Child::Section(s), None) => Some(self.nav_level(s, None)),
                    (Child::Section(s), Some(path)) => {
                        (here == Some(position)).then(|| self.nav_level(s, Some(&path[1..])))
                    }
                };
                let url = self.url_of(child);
                NavItem {
                    title: self.title_of(child).to_string(),
                    url: url.to_string(),
                    href: links::page_href(url),
                    children: open.unwrap_or_default(),
                    more: false,
                }
            })
            .collect();
        if shown.len() < children.len() {
            let s = &self.sections[section];
            let title = match s.title.as_str() {
                "" => format!("All {} pages", children.len()),
                t => format!("All {} pages in {t}", children.len()),
            };
            items.push(NavItem {
                title,
                url: s.url.clone(),
                href: links::page_href(&s.url),
                children: Vec::new(),
                more: true,
            });
        }
        items
    }

    /// Resolves each link of `page` to the URL written on output, relative to the page. A
    /// target that leads nowhere is reported once, with the places it is linked again.
    fn resolve_page(&self, page: &Page) -> (Vec<String>, Vec<Diagnostic>) {
        let origin = Origin {
            dir: page.dir(),
            url: &page.url,
            doc: Some(&page.doc),
        };
        let mut diags: Vec<Diagnostic> = Vec::new();
        // Each address told of, by the report and what is written for it.
        let mut told: ahash::HashMap<&str, (usize, String)> = ahash::HashMap::default();
        let targets = page
            .doc
            .links
            .iter()
            .map(|link| {
                let span = link.span.clone();
                if let Some((report, url)) = told.get(link.dest.as_str()) {
                    diags[*report].repeated(|| span);
                    return url.clone();
                }
                let (url, why) = self.resolve(&origin, &link.dest, diags.len() < HINTED);
                if let Some(why) = why {
                    told.insert(&link.dest, (diags.len(), url.clone()));
                    diags.push(why.at(&page.source, span));
                }
                url
            })
            .collect();
        diags.extend(page.doc.id_clashes.iter().map(|clash| {
            let span = clash.span.clone();
            clash
                .diagnostic(&page.source.text[span.clone()])
                .at(&page.source, span)
        }));
        (targets, diags)
    }

    /// Checks the links of a record's Markdown field, each error at the link in the file,
    /// each target that leads nowhere once, with the places it is linked again; with a
    /// "did you mean" where `hint` asks for one.
    fn check_record_text(&self, t: &RecordText, hint: bool) -> Vec<Diagnostic> {
        let doc = Document::parse_text(t.text, false);
        let origin = Origin::record(&t.url);
        let mut written: Option<Written> = None;
        let mut diags: Vec<Diagnostic> = Vec::new();
        let mut told: ahash::HashMap<&str, usize> = ahash::HashMap::default();
        for link in &doc.links {
            let mut place = || {
                let written = written.get_or_insert_with(|| Written::new(t.source, t.path));
                written.find(&t.text[link.span.clone()])
            };
            if let Some(&report) = told.get(link.dest.as_str()) {
                // Placed even when not named: each place found moves the search on.
                let span = place();
                diags[report].repeated(|| span);
            } else if let (_, Some(why)) =
                self.resolve(&origin, &link.dest, hint && diags.len() < HINTED)
            {
                told.insert(&link.dest, diags.len());
                diags.push(why.at(t.source, place()));
            }
        }
        if !doc.foreign.is_empty() {
            // Found after the links, whose search has moved on.
            let mut written = Written::new(t.source, t.path);
            diags.extend(markdown::foreign_warnings(
                t.source,
                &doc.foreign,
                false,
                |f| written.find(&t.text[f.span.clone()]),
            ));
        }
        let comments = markdown::comments(t.text);
        if let Some((first, rest)) = comments.split_first() {
            let mut written = Written::new(t.source, t.path);
            let mut told = Diagnostic::warning(
                "an HTML comment is left out of the record's page, but not out of the feeds, \
                 the API and the exports, which hold the record's text as written",
            )
            .with_hint("a record is no place for what its readers may not see: remove it")
            .at(t.source, written.find(&t.text[first.clone()]));
            for comment in rest {
                let span = written.find(&t.text[comment.clone()]);
                told.repeated(|| span);
            }
            diags.push(told);
        }
        if doc.id_clashes.is_empty() {
            return diags;
        }
        // Each repeated id is looked for with its line up to it, which tells apart two
        // headings that write the same id, from the field's start: the links' search has
        // moved on. The field is located only then, as for a link, since that reads the
        // record's YAML again.
        let mut written = Written::new(t.source, t.path);
        for clash in &doc.id_clashes {
            let span = &clash.span;
            let line = t.text[..span.start].rfind('\n').map_or(0, |i| i + 1);
            let found = written.find(&t.text[line..span.end]);
            let place = if found.len() == span.end - line {
                found.end - span.len()..found.end
            } else {
                found
            };
            diags.push(clash.diagnostic(&t.text[span.clone()]).at(t.source, place));
        }
        diags
    }

    /// The URL that `dest`, a link written at `origin`, leads to on output, relative to
    /// the page it is on (`#` where it leads nowhere), and what to tell of it: why it leads
    /// nowhere, with a "did you mean" when `hint`, or why it was written otherwise.
    fn resolve(&self, origin: &Origin, dest: &str, hint: bool) -> (String, Option<Diagnostic>) {
        let target = links::classify(dest);
        if let Target::External(url) = target
            && let Some(https) = links::scheme_relative(url)
        {
            let told = Diagnostic::warning(format!(
                "a link that starts with `//` takes the scheme of the page it is on: opened \
                 from disk, it leads to a file share; the site writes `{https}`"
            ))
            .with_hint("write the address with its scheme, `https://` or `http://`");
            return (https, Some(told));
        }
        match self.resolve_target(origin, target, hint) {
            Ok(url) => (url, None),
            Err(why) => ("#".to_string(), Some(why)),
        }
    }

    /// [`Site::resolve`] of a link classified as `target`, but one that starts with `//`.
    /// Paths are percent-decoded before they are looked for, as a browser would ask for
    /// them.
    fn resolve_target(
        &self,
        origin: &Origin,
        target: Target,
        hint: bool,
    ) -> Result<String, Diagnostic> {
        if !self.restricted.is_empty()
            && links::named_as(origin.dir, &target).is_some_and(|n| self.restricted.contains(&n))
        {
            return Ok(links::RESTRICTED.to_string());
        }
        let root = links::root_prefix(origin.url);
        match target {
            Target::External(url) => Ok(links::as_followed(url).into_owned()),
            // Written as `#`, and told: the author meant something by it.
            Target::Unsafe(why) => Err(unsafe_link(why)),
            Target::Exception(id) => {
                let kind = ("exception", "exceptions");
                record_link(
                    &root,
                    kind,
                    &links::decode(id),
                    (&self.records.exceptions, &self.records.unloaded),
                    hint,
                )
            }
            Target::Incident(id) => {
                let kind = ("incident", "incidents");
                record_link(
                    &root,
                    kind,
                    &links::decode(id),
                    (&self.records.incidents, &self.records.unloaded),
                    hint,
                )
            }
            Target::Anchor(anchor) => {
                // `#` alone is the top of the page.
                let Some(doc) = origin.doc.filter(|_| !anchor.is_empty()) else {
                    return Ok(format!("#{anchor}"));
                };
                match doc.link_anchor(&links::decode(anchor)) {
                    None => Err(with_hint(
                        Diagnostic::error(format!(
                            "link to `#{anchor}`, a heading this page does not have"
                        )),
                        hint.then(|| anchor_hint(doc, "", anchor)).flatten(),
                    )),
                    Some(id) => Ok(written_anchor(anchor, id)),
                }
            }
            Target::Page { path, anchor } => {
                let joined = links::join(origin.dir, &links::decode(path));
                let target = joined
                    .as_deref()
                    .and_then(|p| self.page_index(p))
                    .map(|i| &self.pages[i]);
                match target {
                    Some(target) => {
                        let fragment = match anchor {
                            None => String::new(),
                            Some(a) => match target.doc.link_anchor(&links::decode(a)) {
                                None => {
                                    let error = Diagnostic::error(format!(
                                        "link to `{path}#{a}`: that page has no heading `#{a}`"
                                    ));
                                    let best = hint.then(|| anchor_hint(&target.doc, path, a));
                                    return Err(with_hint(error, best.flatten()));
                                }
                                Some(id) => written_anchor(a, id),
                            },
                        };
                        Ok(format!("{root}{}{fragment}", links::page_href(&target.url)))
                    }
                    // That page is reported already; its links need no second report.
                    None if joined.as_ref().is_some_and(|p| self.unreadable.holds(p)) => {
                        Ok("#".to_string())
                    }
                    None if joined.as_ref().is_some_and(|p| self.drafts.contains(p)) => {
                        Err(Diagnostic::error(format!(
                            "link to `{path}`, a draft, which the site leaves out"
                        ))
                        .with_hint(crate::load::content::DRAFT_HINT))
                    }
                    None => {
                        let error = Diagnostic::error(format!(
                            "link to `{path}`, a page that does not exist"
                        ));
                        // A path written from the top of content/ (`exceptions/process.md`
                        // in a page or record of exceptions/) is told so. Else compare the
                        // link as written with each page as it would be written from
                        // here, so a shared folder name does not decide it.
                        let from_top = links::join("", &links::decode(path))
                            .filter(|p| self.page_index(p).is_some());
                        let written = || match &from_top {
                            Some(p) => Some(format!(
                                "did you mean `{}`? A link is relative to the folder it is \
                                 written from (`{}/`); `/{p}` names the page from the top of \
                                 content/",
                                relative_to(origin.dir, p),
                                origin.dir.trim_end_matches('/'),
                            )),
                            None => {
                                let written: Vec<String> = self
                                    .page_by_path
                                    .keys()
                                    .map(|p| relative_to(origin.dir, p))
                                    .collect();
                                closest(path, written.iter().map(String::as_str))
                                    .map(|best| format!("did you mean `{best}`?"))
                            }
                        };
                        Err(with_hint(error, hint.then(written).flatten()))
                    }
                }
            }
            Target::File(dest) => {
                let (path, rest) = match dest.find(['?', '#']) {
                    Some(i) => dest.split_at(i),
                    None => (dest, ""),
                };
                let joined = links::join(origin.dir, &links::decode(path));
                let written = joined.as_ref().and_then(|p| match self.asset_at.get(p) {
                    Some(to) => Some(to.clone()),
                    None => self.files.contains(p).then(|| p.clone()),
                });
                // A page or file the build writes from the whole handbook (`../status/`),
                // which every site holds.
                let site_file = || joined.as_deref().and_then(site_files::linkable);
                match written {
                    Some(p) => Ok(format!("{root}{}{rest}", links::encode(&p))),
                    // That file is reported already, as a page is.
                    None if joined.as_ref().is_some_and(|p| self.unreadable.holds(p)) => {
                        Ok("#".to_string())
                    }
                    None if let Some(file) = site_file() => Ok(format!("{root}{file}{rest}")),
                    None => {
                        let error = Diagnostic::error(format!(
                            "link to `{dest}`, a file that does not exist"
                        ));
                        let page = joined.as_deref().and_then(|p| self.page_served_at(p));
                        let served = page.map(|page| {
                            format!(
                                "did you mean `{}`? A link names a page by its Markdown file, \
                                 and the build writes the page's address",
                                relative_to(origin.dir, page)
                            )
                        });
                        // A name spelt otherwise (`Logo.PNG`) or mistyped: among the files
                        // of its kind, so a missing PDF is not told a page.
                        let spelt = || {
                            let kind = |p: &str| p.rsplit_once('.').map(|(_, e)| e.to_lowercase());
                            let written: Vec<String> = (self.files.iter())
                                .chain(self.asset_at.keys())
                                .chain(self.page_by_path.keys())
                                .filter(|p| kind(p) == kind(path))
                                .map(|p| relative_to(origin.dir, p))
                                .collect();
                            closest(path, written.iter().map(String::as_str))
                                .map(|best| format!("did you mean `{best}`?"))
                        };
                        // A record's page, named by its path in the site.
                        let record = || {
                            let path = joined.as_deref()?.trim_end_matches("/index.html");
                            let (folder, id) = path.split_once('/')?;
                            let scheme = match folder {
                                "exceptions" => "exception",
                                "incidents" => "incident",
                                _ => return None,
                            };
                            (!id.contains('/'))
                                .then(|| format!("a record is linked by its id: `{scheme}:{id}`"))
                        };
                        Err(with_hint(
                            error,
                            served
                                .or_else(record)
                                .or_else(|| hint.then(spelt).flatten()),
                        ))
                    }
                }
            }
        }
    }
}

/// The entries a section of `len` entries shows in the sidebar: all, or those around the
/// one at `here` (the first ones when none is current).
fn window(len: usize, here: Option<usize>) -> Range<usize> {
    if len <= NAV_ALL {
        return 0..len;
    }
    let size = 2 * NAV_AROUND + 1;
    let start = here.map_or(0, |i| i.saturating_sub(NAV_AROUND).min(len - size));
    start..start + size
}

/// A link from a page or a record to a page or a record, where it is written.
#[derive(Debug)]
pub struct CrossLink<'a> {
    pub from: Named,
    pub to: Named,
    pub source: &'a Arc<SourceFile>,
    pub span: Range<usize>,
}

/// The checks of each record's links as an earlier build made them, which `serve` keeps:
/// by the record's file, with a hash of its text and of the site, which is all they read.
pub type KeptChecks = PerFile<Diagnostic>;

/// A Markdown field of a record.
struct RecordText<'a> {
    /// The record.
    subject: Named,
    source: &'a Arc<SourceFile>,
    /// The folder of the record's page.
    url: String,
    /// Where the field is in the file.
    path: &'static [Seg<'static>],
    text: &'a str,
}

impl<'a> RecordText<'a> {
    fn of(stand_in: &'a StandIn) -> Self {
        RecordText {
            subject: stand_in.subject.clone(),
            source: &stand_in.source,
            url: record_url(stand_in.folder, file_id(&stand_in.source.name)),
            path: stand_in.path,
            text: &stand_in.text,
        }
    }
}

/// Every Markdown field of every record: those the register pages render.
fn record_texts(records: &Records) -> Vec<RecordText<'_>> {
    texts_of(&records.exceptions, &records.incidents)
}

/// The Markdown fields of these records, in their order.
fn texts_of<'a>(
    exceptions: &'a [Shared<Exception>],
    incidents: &'a [Shared<Incident>],
) -> Vec<RecordText<'a>> {
    fn add<'a, T: Record>(texts: &mut Vec<RecordText<'a>>, loaded: &'a Shared<T>) {
        let subject = T::named(loaded.record.id().clone());
        let url = record_url(T::KIND.1, loaded.record.id());
        for (path, text) in T::MARKDOWN.into_iter().zip(loaded.record.markdown()) {
            if let Some(text) = text {
                texts.push(RecordText {
                    subject: subject.clone(),
                    source: &loaded.source,
                    url: url.clone(),
                    path,
                    text,
                });
            }
        }
    }
    let mut texts = Vec::new();
    exceptions.iter().for_each(|e| add(&mut texts, e));
    incidents.iter().for_each(|i| add(&mut texts, i));
    texts
}

/// The fragment of a link written `#anchor` that leads to the id `id`: as written, unless
/// the id is another, one an audience's view made again ([`Document::link_anchor`]).
fn written_anchor(anchor: &str, id: &str) -> String {
    match links::decode(anchor) == id {
        true => format!("#{anchor}"),
        false => links::fragment(id),
    }
}

/// What each link in the records' Markdown names, with the record it is in.
pub fn record_link_names(records: &Records) -> Vec<(Named, Named)> {
    record_texts(records)
        .par_iter()
        .flat_map_iter(|t| {
            let dir = Origin::record(&t.url).dir;
            Document::parse_text(t.text, false)
                .links
                .iter()
                .filter_map(|link| links::named(dir, &link.dest))
                .map(|to| (t.subject.clone(), to))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Rewrites the Markdown fields of `records` (those [`record_texts`] reads) so that no
/// link names what `hidden` holds: each such link is written as its text, marked
/// restricted (see [`markdown::unlink`]). The fields are shown as written too (in the JSON,
/// the search index, the exports), where a link's destination would name what is hidden.
pub fn unlink_records(records: &mut Records, hidden: &BTreeSet<Named>) {
    fn unlink<T: Record + Clone>(loaded: &mut Shared<T>, hidden: &BTreeSet<Named>) {
        let record = &mut Arc::make_mut(loaded).record;
        let url = record_url(T::KIND.1, record.id());
        let dir = Origin::record(&url).dir;
        let drop = |dest: &str| links::named(dir, dest).is_some_and(|n| hidden.contains(&n));
        for text in record.markdown_mut().into_iter().flatten() {
            if let Some(unlinked) = markdown::unlink(text, drop) {
                *text = unlinked;
            }
        }
    }
    records
        .exceptions
        .iter_mut()
        .for_each(|e| unlink(e, hidden));
    records.incidents.iter_mut().for_each(|i| unlink(i, hidden));
}

/// Where the links of a record's Markdown field are written in its YAML file. Each is
/// looked for by its first line, after the one before it. YAML may write a text otherwise
/// than it reads (escapes, folded lines): from the first link not found so, the rest are
/// shown at the field's key. Each character of the field is looked at about once.
struct Written<'a> {
    text: &'a str,
    key: Range<usize>,
    cursor: usize,
    end: usize,
    lost: bool,
}

impl<'a> Written<'a> {
    fn new(file: &'a SourceFile, path: &[Seg]) -> Self {
        let text = file.text.as_str();
        let place = yaml::locate(file, path);
        let (key, value) = place.map_or((0..0, 0..0), |p| (p.key, p.value));
        Written {
            text,
            key,
            cursor: value.start,
            end: value.end,
            lost: false,
        }
    }

    /// Where `link`, the text of a link as the field reads, is written.
    fn find(&mut self, link: &str) -> Range<usize> {
        let first = link.lines().next().unwrap_or_default();
        if !self.lost && !first.is_empty() {
            if let Some(i) = self.text[self.cursor..self.end].find(first) {
                let start = self.cursor + i;
                self.cursor = start + first.chars().next().map_or(1, char::len_utf8);
                return start..start + first.len();
            }
            self.lost = true;
        }
        self.key.clone()
    }
}

/// The sections, each with its children in order, and where each page is listed.
/// How many folders deep below content/ a page may sit. The sidebar, breadcrumbs and
/// section listings of a page grow with its depth, the theme draws the sidebar's open
/// branch by nesting one template call per level (Tera stops at 20), and no handbook needs
/// more than a few levels.
pub const MAX_SECTION_DEPTH: usize = 16;

/// Whether `page` sits deeper than [`MAX_SECTION_DEPTH`] folders, which is an error.
pub fn is_too_deep(page: &Page) -> bool {
    depth(page) > MAX_SECTION_DEPTH
}

/// How many folders below content/ `page` sits.
fn depth(page: &Page) -> usize {
    page.path.matches('/').count()
}

/// An error for each folder too deep that holds pages ([`is_too_deep`]), at the first of
/// them: one folder nested too deep is one cause, however many pages lie below it.
fn too_deep(pages: &[Arc<Page>]) -> Vec<Diagnostic> {
    // By the first folder past the bound, in the order of their first pages: that page,
    // and how many lie below the folder.
    let mut folders: Vec<(&str, &Page, usize)> = Vec::new();
    let mut at: ahash::HashMap<&str, usize> = ahash::HashMap::default();
    for page in pages.iter().filter(|p| is_too_deep(p)) {
        let cut = (page.path.match_indices('/').nth(MAX_SECTION_DEPTH)).map_or(0, |(i, _)| i);
        let folder = &page.path[..cut];
        let i = *at.entry(folder).or_insert_with(|| {
            folders.push((folder, page, 0));
            folders.len() - 1
        });
        folders[i].2 += 1;
    }
    (folders.into_iter())
        .map(|(folder, page, below)| {
            let others = match below - 1 {
                0 => String::new(),
                n => format!(", as are {n} other page(s) below content/{folder}/"),
            };
            Diagnostic::error(format!(
                "content/{} is {} folders deep{others}; pages may be at most \
                 {MAX_SECTION_DEPTH} folders below content/",
                page.path,
                depth(page)
            ))
            .at(&page.source, page.source.line_span(0))
            .with_hint("move the page, and the folders around it, nearer to content/")
        })
        .collect()
}

fn build_sections(pages: &[Arc<Page>]) -> (Vec<Section>, Vec<Option<(usize, usize)>>) {
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
                weight: None,
                index: None,
                children: Vec::new(),
                parent: None,
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
            section.weight = page.front.weight;
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
    // Unweighted after weighted ([`Child`]).
    let order = |weight: Option<i64>| (weight.is_none(), weight);
    let keys: Vec<Vec<_>> = sections
        .iter()
        .map(|s| {
            s.children
                .iter()
                .map(|c| match *c {
                    Child::Page(p) => (
                        order(pages[p].front.weight),
                        pages[p].front.title.clone(),
                        pages[p].url.clone(),
                    ),
                    Child::Section(x) => (
                        order(sections[x].weight),
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
    let mut page_place = vec![None; pages.len()];
    for s in 0..sections.len() {
        for (position, child) in sections[s].children.clone().into_iter().enumerate() {
            match child {
                Child::Page(p) => page_place[p] = Some((s, position)),
                Child::Section(x) => sections[x].parent = Some((s, position)),
            }
        }
    }
    (sections, page_place)
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

fn walk_reading_order(sections: &[Section], section: usize, out: &mut Vec<Child>) {
    out.push(Child::Section(section));
    for child in &sections[section].children {
        match *child {
            Child::Page(_) => out.push(*child),
            Child::Section(s) => walk_reading_order(sections, s, out),
        }
    }
}

/// The warning for a link whose address is not written out, which the site writes as `#`:
/// the author meant something by it.
fn unsafe_link(why: Unsafe) -> Diagnostic {
    let (message, hint) = match why {
        Unsafe::Code(scheme) => (
            format!("a `{scheme}:` link runs code in the reader's browser"),
            "link to a page, a record or a web address",
        ),
        Unsafe::Data => (
            "a `data:` link holds a page or file of its own, which can run code".to_string(),
            "put the file in static/ and link to its path",
        ),
        Unsafe::Files => (
            "a link to the reader's files or a file share does not open from a web page, and \
             from disk a click on it may hand the reader's Windows sign-in to its host"
                .to_string(),
            "put the file in static/ and link to its path, or link to it over `https://`",
        ),
        Unsafe::Scheme(scheme) => (
            format!(
                "a `{scheme}:` link hands its address to a program on the reader's machine, \
                 which no sanitiser of the web lets a page do"
            ),
            "link to a page, a record or a web address; the schemes kept are `https:`, \
             `mailto:`, `tel:` and the others GitHub keeps",
        ),
    };
    Diagnostic::warning(format!("{message}: the site writes `#` in its place")).with_hint(hint)
}

fn with_hint(diag: Diagnostic, hint: Option<String>) -> Diagnostic {
    match hint {
        Some(h) => diag.with_hint(h),
        None => diag,
    }
}

/// "did you mean" the anchor of `doc` nearest to `anchor`, written after `path` (the page
/// the link names, or nothing for its own).
fn anchor_hint(doc: &Document, path: &str, anchor: &str) -> Option<String> {
    let best = closest(&links::decode(anchor), doc.anchors())?;
    Some(format!(
        "did you mean `{path}{}`?",
        links::written_fragment(best)
    ))
}

/// What the ids of a record's Markdown `field` start with on its page (`remediation-plan-`):
/// a record's page shows several fields, and has sections of its own (`summary`).
fn field_prefix(field: &str) -> String {
    format!("{}-", field.replace(['.', '_'], "-"))
}

/// The folder of a record's page.
fn record_url(folder: &str, id: &str) -> String {
    format!("{folder}/{id}/")
}

/// The link from `root` to the record `id` of a `(kind, folder)`, when `known` has it.
fn record_link(
    root: &str,
    (kind, folder): (&str, &str),
    id: &str,
    (known, unloaded): (&Ids, &Unloaded),
    hint: bool,
) -> Result<String, Diagnostic> {
    if known.contains(id) {
        return Ok(format!(
            "{root}{}",
            links::page_href(&record_url(folder, id))
        ));
    }
    // That record's file is reported already; its links need no second report.
    if unloaded.holds(id) {
        return Ok("#".to_string());
    }
    if let Some((record, _)) = id.split_once('#')
        && known.contains(record)
    {
        return Err(Diagnostic::error(format!(
            "link to {kind} `{id}`: a link names a record's page whole, not a part of it"
        ))
        .with_hint(format!("write `{kind}:{record}`")));
    }
    let error = Diagnostic::error(format!("link to {kind} `{id}`, which does not exist"));
    let hint = hint.then(|| closest(id, known.iter())).flatten();
    Err(with_hint(
        error,
        hint.map(|b| format!("did you mean `{b}`?")),
    ))
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

    /// The ids hold exactly those given, in order, each once, however they were given:
    /// an id that another begins with, or that begins another, is not taken for it.
    #[test]
    fn ids_hold_each_id_given_and_no_other() {
        // In order, as the records come; out of order, with an id twice.
        for (given, again) in [
            (["EXC-1", "EXC-10", "EXC-2", "INC-1"], None),
            (["INC-1", "EXC-2", "EXC-10", "EXC-1"], Some("EXC-2")),
        ] {
            let ids = Ids::of(given.iter().copied().chain(again));
            assert_eq!(
                ids.iter().collect::<Vec<_>>(),
                ["EXC-1", "EXC-10", "EXC-2", "INC-1"]
            );
            for id in given {
                assert!(ids.contains(id), "{id}");
            }
            for id in ["", "EXC-", "EXC-100", "EXC-3", "INC-", "A", "Z"] {
                assert!(!ids.contains(id), "{id}");
            }
        }
        assert!(!Ids::default().contains(""));
    }

    #[test]
    fn relative_to_walks_up_and_down() {
        assert_eq!(relative_to("a/b", "a/c.md"), "../c.md");
        assert_eq!(relative_to("", "a/c.md"), "a/c.md");
        assert_eq!(relative_to("a", "a/c.md"), "c.md");
    }

    #[test]
    fn a_large_section_shows_a_window_around_the_current_entry() {
        assert_eq!(window(NAV_ALL, Some(NAV_ALL - 1)), 0..NAV_ALL);
        assert_eq!(window(100, None), 0..21);
        assert_eq!(window(100, Some(0)), 0..21);
        assert_eq!(window(100, Some(50)), 40..61);
        assert_eq!(window(100, Some(99)), 79..100);
        // A section of 50 pages, as a large handbook's are, shows 21 of them, not 50.
        assert_eq!(window(50, Some(30)), 20..41);
    }

    #[test]
    fn links_in_a_record_are_found_where_the_file_writes_them() {
        let text = "a: x\nsummary: |\n  See [one](exception:X)\n  and [two](exception:X).\nb: \"[one](exception:X)\"\nc: \"[\\x6Fne](e:X)\"\n";
        let file = SourceFile::new("r.yaml", text);
        let mut written = Written::new(&file, &[Seg::Key("summary")]);
        let one = written.find("[one](exception:X)");
        assert_eq!(&text[one.clone()], "[one](exception:X)");
        assert_eq!(one.start, text.find("[one]").unwrap());
        let two = written.find("[two](exception:X)");
        assert_eq!(two.start, text.find("[two]").unwrap());
        // Not after the last one found, in this field: the rest are at the key.
        let summary = text.find("summary").unwrap()..text.find(": |").unwrap();
        assert_eq!(written.find("[one](exception:X)"), summary);
        assert_eq!(written.find("[two](exception:X)"), summary);
        let mut escaped = Written::new(&file, &[Seg::Key("c")]);
        let c = text.find("c:").unwrap();
        assert_eq!(escaped.find("[one](e:X)"), c..c + 1);
    }

    #[test]
    fn parent_url_of_folders() {
        assert_eq!(parent_url("a/b/"), "a/");
        assert_eq!(parent_url("a/"), "");
    }
}
