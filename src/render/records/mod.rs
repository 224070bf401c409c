//! The registers' pages: exceptions, incidents, action items, owners, status and audit.
//!
//! Everything a page shows is computed here into serialisable view structs, once per page,
//! from facts gathered once per build ([`Facts`]); the templates only lay them out. Record
//! text is untrusted: Markdown fields go through [`Site::record_html`], everything
//! else is escaped by the templates.

mod audit;
mod exceptions;
mod history;
mod incidents;
mod owners;
mod registry;
mod status;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use ahash::HashMap;
use rayon::prelude::*;
use serde::Serialize;

use super::{Fingerprint, Output, Renderer, Values};
use crate::derive::handbook::Handbook;
use crate::derive::site::{Child, ChildLink, PageLink, Site};
use crate::diagnostics::Diagnostic;
use crate::load::content::{Page, REGISTERS};
use crate::load::markdown::Heading;
use crate::load::records::Shared;
use crate::model::date::Date;
use crate::model::finding::{Finding, LintLevel};
use crate::model::incident::Stamp;
use crate::model::links;
use crate::model::person::Person;

pub use owners::Owners;

/// The folders of the register pages. A content section at one of these (such as
/// content/exceptions/_index.md) is not rendered on its own: the register page there
/// shows its text and its pages, the way a Hugo or Zola section page lists its section.
/// A record that names a content page, as that page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct RecordRef {
    /// `exception` or `incident`.
    pub kind: &'static str,
    pub id: String,
    pub title: String,
    /// From the site root.
    pub href: String,
    /// How the record names the page: `related`, or `postmortem` for an incident's
    /// postmortem page.
    pub relation: &'static str,
}

/// What content pages need from the records, computed once for the whole site.
#[derive(Debug, Default)]
pub struct PageExtras {
    /// Content path (below content/) to the records that name that page, in id order.
    pub referenced_by: BTreeMap<String, Vec<RecordRef>>,
}

impl PageExtras {
    pub fn new(handbook: &Handbook) -> Self {
        let mut referenced_by: BTreeMap<String, Vec<RecordRef>> = BTreeMap::new();
        // What each page lists already, to list it once: a look along the list for each
        // record took the square of the records that name one page.
        let mut listed = BTreeSet::new();
        let mut add = |path: &str, r: RecordRef| {
            let path = links::content_path(path);
            if listed.insert((path.to_string(), r.kind, r.id.clone(), r.relation)) {
                referenced_by.entry(path.to_string()).or_default().push(r);
            }
        };
        for e in &handbook.records.exceptions {
            let e = &e.record;
            for page in &e.related.pages {
                add(
                    page,
                    RecordRef {
                        kind: "exception",
                        id: e.id.clone(),
                        title: e.title.clone(),
                        href: exception_href(&e.id),
                        relation: "related",
                    },
                );
            }
        }
        for i in &handbook.records.incidents {
            let i = &i.record;
            let postmortem = i.postmortem.as_ref().and_then(|p| p.page.as_deref());
            for (page, relation) in i
                .related
                .pages
                .iter()
                .map(|p| (p.as_str(), "related"))
                .chain(postmortem.map(|p| (p, "postmortem")))
            {
                add(
                    page,
                    RecordRef {
                        kind: "incident",
                        id: i.id.clone(),
                        title: i.title.clone(),
                        href: incident_href(&i.id),
                        relation,
                    },
                );
            }
        }
        PageExtras { referenced_by }
    }
}

/// The first page of each ordering of each registry, which is written whatever its
/// records: a record at one of these paths (`by-state`) collides with it.
pub fn registry_paths() -> Vec<String> {
    let registries = [
        (exceptions::URL, &exceptions::ORDERS),
        (incidents::URL, &incidents::ORDERS),
    ];
    (registries.into_iter())
        .flat_map(|(url, orders)| {
            (orders.iter()).map(move |o| links::page_href(&registry::page_url(url, o.folder, 0)))
        })
        .collect()
}

pub fn exception_href(id: &str) -> String {
    format!("exceptions/{id}/index.html")
}

pub fn incident_href(id: &str) -> String {
    format!("incidents/{id}/index.html")
}

pub use audit::render as render_audit;
pub use exceptions::render as render_exceptions;
pub use incidents::render as render_incidents;
pub use owners::render as render_owners;
pub use status::render as render_status;

/// What every register page draws on, gathered once per build.
pub struct Facts<'a> {
    pub hb: &'a Handbook,
    /// See [`Facts::findings_by_subject`].
    findings_by_subject: OnceLock<HashMap<&'a str, Vec<&'a Finding>>>,
    page_by_path: HashMap<&'a str, usize>,
    exception_by_id: HashMap<&'a str, usize>,
    incident_by_id: HashMap<&'a str, usize>,
    /// Exception id to the incidents it names or that name it.
    incidents_of_exception: BTreeMap<&'a str, BTreeSet<&'a str>>,
    /// Incident id to the exceptions it names or that name it.
    exceptions_of_incident: BTreeMap<&'a str, BTreeSet<&'a str>>,
    pub owners: Owners<'a>,
    /// See [`Facts::record_inputs`].
    record_inputs: OnceLock<u64>,
    /// See [`Facts::records_shape`].
    records_shape: OnceLock<u64>,
    /// See [`Facts::record_files`].
    record_files: OnceLock<[u64; 2]>,
    /// See [`Facts::exception_rows`].
    exception_rows: OnceLock<Vec<exceptions::ExceptionRow<'a>>>,
    /// See [`Facts::exception_row_keys`].
    exception_row_keys: OnceLock<Vec<u64>>,
}

impl<'a> Facts<'a> {
    /// What shapes every record besides its own file ([`crate::render::records_shape_of`]):
    /// made once, for the exports' pieces and the audit report's parts.
    pub fn records_shape(&self) -> u64 {
        *self
            .records_shape
            .get_or_init(|| crate::render::records_shape_of(self.hb))
    }

    /// Every exception as a row, in id order, made once, on every core: the registry and
    /// the owners' pages show the same rows, and each made all 20,000 of a large
    /// register's at every rebuild.
    fn exception_rows(&self) -> &[exceptions::ExceptionRow<'a>] {
        self.exception_rows.get_or_init(|| {
            (0..self.hb.records.exceptions.len())
                .into_par_iter()
                .map(|i| exceptions::row(self, i))
                .collect()
        })
    }

    /// The key of each exception's row ([`exceptions::row_key`]), in id order, worked out
    /// once per build for the registry's pages and rows and the owners' pages, each of
    /// which hashed every row of a large register's 20,000 at each rebuild.
    fn exception_row_keys(&self) -> &[u64] {
        self.exception_row_keys.get_or_init(|| {
            let rows = self.exception_rows();
            rows.par_iter()
                .map(|row| exceptions::row_key(self, row))
                .collect()
        })
    }

    /// What every record's page draws on besides its record and the facts it names: the
    /// site its Markdown links into, and data/people.yaml, which fills in its approvals.
    /// Made once, when a record's page is fingerprinted.
    pub fn record_inputs(&self) -> u64 {
        *self.record_inputs.get_or_init(|| {
            let mut inputs = Fingerprint::default();
            inputs
                .add(&self.hb.site.links_key())
                .add(self.hb.records.people.entries());
            inputs.finish()
        })
    }

    /// A hash of all that the registers' pages read of the content pages, which they
    /// read only through the methods below and [`Site::record_html`]: the pages' paths,
    /// folders and front matter, the sections and the reading order, the site that
    /// records' links lead into, and the text of a content section shown on a register's
    /// page. Not the text of any other page.
    pub fn site_inputs(&self) -> u64 {
        let site = &self.hb.site;
        let mut inputs = Fingerprint::default();
        inputs.add(&site.links_key());
        for page in &site.pages {
            inputs.add(&page.path).add(&page.url).add(&page.front);
        }
        for section in &site.sections {
            inputs.add(&format!("{section:?}"));
        }
        inputs.add(&format!("{:?}", site.reading_order));
        for (url, _) in REGISTERS {
            inputs.add(&self.intro(url));
        }
        inputs.finish()
    }

    /// A hash of the exceptions' files and one of the incidents' files, made once: the
    /// exports' key reads both, and each register's key one of them.
    pub fn record_files(&self) -> [u64; 2] {
        *self.record_files.get_or_init(|| {
            fn files<T>(records: &[Shared<T>]) -> u64 {
                let mut inputs = Fingerprint::default();
                for loaded in records {
                    inputs.file(&loaded.source);
                }
                inputs.finish()
            }
            let records = &self.hb.records;
            [files(&records.exceptions), files(&records.incidents)]
        })
    }

    /// A hash of all that the exceptions' pages (the registry and each exception's page)
    /// read of the records: what shapes every record, the exceptions' files, the owners'
    /// pages, which incidents name an exception, and what a link shows of each incident
    /// that names one or is named by one. An edit to any other incident, or one that keeps
    /// those, keeps them whole, without each page being fingerprinted.
    pub fn exceptions_inputs(&self) -> u64 {
        let incidents = self.hb.records.incidents.iter().map(|loaded| {
            let i = &loaded.record;
            let linked = self.exceptions_of_incident.contains_key(i.id.as_str());
            let link = linked.then_some([i.id.as_str(), &i.title, i.status.as_str()]);
            (&i.related.exceptions, link)
        });
        self.kind_inputs(self.record_files()[0], incidents)
    }

    /// [`Facts::exceptions_inputs`] for the incidents' pages and the action items: the
    /// incidents' files, which exceptions name an incident, and what a link shows of each
    /// exception linked with one.
    pub fn incidents_inputs(&self) -> u64 {
        let states = &self.hb.exception_states;
        let exceptions = self.hb.records.exceptions.iter().zip(states);
        let exceptions = exceptions.map(|(loaded, state)| {
            let e = &loaded.record;
            let linked = self.incidents_of_exception.contains_key(e.id.as_str());
            let link = linked.then_some([e.id.as_str(), &e.title, state.as_str()]);
            (&e.related.incidents, link)
        });
        self.kind_inputs(self.record_files()[1], exceptions)
    }

    /// What shapes every record, the owners' pages, `own_files` (the hash of one kind's
    /// files), and of each record of the other kind the records it names and, when it is
    /// linked with one of its own kind, what its link shows.
    fn kind_inputs<'r>(
        &self,
        own_files: u64,
        others: impl Iterator<Item = (&'r Vec<String>, Option<[&'r str; 3]>)>,
    ) -> u64 {
        let mut inputs = Fingerprint::default();
        inputs
            .add(&self.records_shape())
            .add(&self.owners.hrefs_key())
            .add(&own_files);
        for other in others {
            inputs.add(&other);
        }
        inputs.finish()
    }

    pub fn new(hb: &'a Handbook) -> Self {
        let page_by_path = hb
            .site
            .pages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.path.as_str(), i))
            .collect();
        let exception_by_id = hb
            .records
            .exceptions
            .iter()
            .enumerate()
            .map(|(i, e)| (e.record.id.as_str(), i))
            .collect();
        let incident_by_id: HashMap<&str, usize> = hb
            .records
            .incidents
            .iter()
            .enumerate()
            .map(|(i, e)| (e.record.id.as_str(), i))
            .collect();
        let mut incidents_of_exception: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        let mut exceptions_of_incident: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        let mut pair = |exception: &'a str, incident: &'a str| {
            incidents_of_exception
                .entry(exception)
                .or_default()
                .insert(incident);
            exceptions_of_incident
                .entry(incident)
                .or_default()
                .insert(exception);
        };
        for e in &hb.records.exceptions {
            for i in &e.record.related.incidents {
                pair(&e.record.id, i);
            }
        }
        for i in &hb.records.incidents {
            for e in &i.record.related.exceptions {
                pair(e, &i.record.id);
            }
        }
        Facts {
            hb,
            findings_by_subject: OnceLock::new(),
            page_by_path,
            exception_by_id,
            incident_by_id,
            incidents_of_exception,
            exceptions_of_incident,
            owners: Owners::new(hb),
            record_inputs: OnceLock::new(),
            records_shape: OnceLock::new(),
            record_files: OnceLock::new(),
            exception_rows: OnceLock::new(),
            exception_row_keys: OnceLock::new(),
        }
    }

    /// The findings by their subject, made when a page first shows one: every rebuild
    /// makes the facts, and a large register's 20,000 findings took 5 ms on one core
    /// at each page edit, which shows none of them.
    fn findings_by_subject(&self) -> &HashMap<&'a str, Vec<&'a Finding>> {
        self.findings_by_subject.get_or_init(|| {
            let mut by_subject: HashMap<&str, Vec<&Finding>> = HashMap::default();
            for f in &self.hb.findings {
                by_subject.entry(f.subject.as_str()).or_default().push(f);
            }
            by_subject
        })
    }

    /// The findings about one record (`kind` is `exception` or `incident`), in their order.
    pub fn findings_of(&self, kind: &str, id: &str) -> Vec<FindingView<'a>> {
        self.findings_about(kind, id)
            .map(|f| self.finding_view(f))
            .collect()
    }

    /// How many findings there are about one record, as [`Facts::findings_of`] lists them.
    pub fn findings_count(&self, kind: &str, id: &str) -> usize {
        self.findings_about(kind, id).count()
    }

    /// What the findings about one record show on its page, for the page's fingerprint:
    /// the findings, without the views [`Facts::findings_of`] makes of them, whose links
    /// lead back to the record and show its title, which its file holds.
    pub fn findings_shown(&self, kind: &str, id: &str) -> Vec<&'a Finding> {
        self.findings_about(kind, id).collect()
    }

    fn findings_about(&self, kind: &str, id: &str) -> impl Iterator<Item = &'a Finding> {
        self.findings_by_subject()
            .get(id)
            .into_iter()
            .flatten()
            .copied()
            .filter(move |f| f.code.split('.').next() == Some(kind))
    }

    pub fn finding_view(&self, f: &'a Finding) -> FindingView<'a> {
        let (subject_href, subject_title) = match self.subject_of(f) {
            Some(Subject::Exception { title }) => (Some(exception_href(&f.subject)), Some(title)),
            Some(Subject::Incident { title }) => (Some(incident_href(&f.subject)), Some(title)),
            Some(Subject::Page { url, title }) => (Some(links::page_href(url)), Some(title)),
            None => (None, None),
        };
        FindingView {
            code: f.code,
            anchor: code_anchor(f.code),
            level: f.level,
            file: &f.file,
            line: f.line,
            subject: &f.subject,
            subject_href,
            subject_title,
            message: &f.message,
        }
    }

    /// Adds to `inputs` all that [`Facts::finding_view`] reads, without making the view.
    pub fn finding_reads(&self, f: &Finding, inputs: &mut Fingerprint) {
        inputs.add(f).add(&self.subject_of(f));
    }

    /// The record or page a finding is about, when the site has it.
    fn subject_of(&self, f: &Finding) -> Option<Subject<'a>> {
        let records = &self.hb.records;
        Some(match f.code.split('.').next() {
            Some("exception") => Subject::Exception {
                title: &records.exceptions[*self.exception_by_id.get(f.subject.as_str())?]
                    .record
                    .title,
            },
            Some("incident") => Subject::Incident {
                title: &records.incidents[*self.incident_by_id.get(f.subject.as_str())?]
                    .record
                    .title,
            },
            _ => {
                let page = self.page_named(&f.subject)?;
                Subject::Page {
                    url: &page.url,
                    title: &page.front.title,
                }
            }
        })
    }

    /// A content page by the path a record or finding names it with.
    fn page_named(&self, path: &str) -> Option<&'a Page> {
        let i = *self.page_by_path.get(links::content_path(path))?;
        Some(&self.hb.site.pages[i])
    }

    /// A content page by the path a record names it with.
    pub fn page_ref(&self, path: &str) -> Option<PageRef<'a>> {
        let page = self.page_named(path)?;
        Some(PageRef {
            title: &page.front.title,
            href: links::page_href(&page.url),
            path: &page.path,
        })
    }

    pub fn page_refs(&self, paths: &[String]) -> Vec<PageRef<'a>> {
        let mut seen = BTreeSet::new();
        paths
            .iter()
            .filter_map(|p| self.page_ref(p))
            .filter(|p| seen.insert(p.path))
            .collect()
    }

    pub fn related_incidents(&self, exception: &str) -> Vec<RecordLink<'a>> {
        self.incidents_of_exception
            .get(exception)
            .into_iter()
            .flatten()
            .filter_map(|id| self.incident_link(id))
            .collect()
    }

    pub fn related_exceptions(&self, incident: &str) -> Vec<RecordLink<'a>> {
        self.exceptions_of_incident
            .get(incident)
            .into_iter()
            .flatten()
            .filter_map(|id| {
                let i = *self.exception_by_id.get(id)?;
                let e = &self.hb.records.exceptions[i].record;
                Some(RecordLink {
                    id: &e.id,
                    title: &e.title,
                    href: exception_href(&e.id),
                    badge: self.hb.exception_states[i].as_str(),
                })
            })
            .collect()
    }

    fn incident_link(&self, id: &str) -> Option<RecordLink<'a>> {
        let i = *self.incident_by_id.get(id)?;
        let r = &self.hb.records.incidents[i].record;
        Some(RecordLink {
            id: &r.id,
            title: &r.title,
            href: incident_href(&r.id),
            badge: r.status.as_str(),
        })
    }

    /// An owner as pages show them, linked to their owner page: every risk owner and every
    /// action item owner has one.
    pub fn person(&self, p: &'a Person) -> PersonView<'a> {
        let entry = self.hb.records.people.find(p);
        PersonView {
            name: if p.is_unassigned() {
                "unassigned"
            } else {
                self.hb.records.people.shown_name(p)
            },
            email: p.email.as_deref(),
            title: entry.and_then(|e| e.title.as_deref()),
            departed: self.hb.records.people.departed(p, self.hb.as_of),
            href: self.owners.href(p),
        }
    }

    /// A person named in a role that owns nothing (commander, participant, requester,
    /// assignee): never linked, as only owners have pages, so a column of them reads alike.
    pub fn named(&self, p: &'a Person) -> PersonView<'a> {
        PersonView {
            href: None,
            ..self.person(p)
        }
    }

    /// The trail from the home page to a register, for the register's own pages.
    pub fn crumbs(&self, register: Option<(&str, &str)>) -> Vec<PageLink> {
        let mut out = vec![PageLink {
            title: home_title(&self.hb.site),
            href: "index.html".into(),
        }];
        if let Some((url, fallback)) = register {
            out.push(PageLink {
                title: self.register_title(url, fallback),
                href: links::page_href(url),
            });
        }
        out
    }

    /// A register's title: that of the content written to its folder (a section, or a
    /// page: `content/status/_index.md` and `content/status.md` alike) when it has one.
    pub fn register_title(&self, url: &str, fallback: &str) -> String {
        let site = &self.hb.site;
        let page = || site.page_at(url).map(|i| site.pages[i].front.title.clone());
        (site.section_at(url).map(|s| s.title.clone()))
            .or_else(page)
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| fallback.to_string())
    }

    /// What the handbook writes to a register's folder, shown on the register's page: a
    /// content section there, or a page.
    pub fn intro(&self, url: &str) -> Option<SectionIntro<'a>> {
        let site = &self.hb.site;
        // A section there (content/exceptions/_index.md), else a page that is written
        // there (content/exceptions.md), whose text would otherwise be shown nowhere.
        let (title, at, children) = match site.section_at(url) {
            Some(section) => {
                let children = section.children.iter();
                let children = children.map(|c| site.child_link(*c)).collect();
                (section.title.as_str(), section.index, children)
            }
            None => {
                let at = site.page_at(url)?;
                (site.pages[at].front.title.as_str(), Some(at), Vec::new())
            }
        };
        let index = at.map(|i| &site.pages[i]);
        Some(SectionIntro {
            title,
            description: index.and_then(|p| p.front.description.as_deref()),
            html: at.map(|i| site.page_html(i)).unwrap_or_default(),
            toc: index.map(|p| p.doc.toc(2..=2)).unwrap_or_default(),
            children,
        })
    }

    /// The breadcrumbs and the previous and next pages of a page of the register at
    /// `register` (its url and title): the register's own page (`first`) sits in the
    /// reading order; its other pages (later pages, orderings, parts) sit below it.
    pub fn register_place(
        &self,
        register: (&str, &str),
        first: bool,
    ) -> (Vec<PageLink>, Option<PageLink>, Option<PageLink>) {
        if first {
            let (prev, next) = self.neighbours(register.0);
            (self.crumbs(None), prev, next)
        } else {
            (self.crumbs(Some(register)), None, None)
        }
    }

    /// The pages before and after `url` in reading order, when `url` is a content section.
    pub fn neighbours(&self, url: &str) -> (Option<PageLink>, Option<PageLink>) {
        let site = &self.hb.site;
        let Some(pos) = site
            .reading_order
            .iter()
            .position(|c| site.url_of(*c) == url)
        else {
            return (None, None);
        };
        let link = |c: &Child| PageLink {
            title: site.title_of(*c).to_string(),
            href: links::page_href(site.url_of(*c)),
        };
        (
            pos.checked_sub(1)
                .and_then(|i| site.reading_order.get(i))
                .map(link),
            site.reading_order.get(pos + 1).map(link),
        )
    }
}

fn home_title(site: &Site) -> String {
    site.sections
        .first()
        .map(|s| s.title.clone())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "Home".into())
}

/// The id of a finding code's group on the status and audit pages.
pub fn code_anchor(code: &str) -> String {
    format!("code-{}", code.replace('.', "-"))
}

// ---------------------------------------------------------------------------------------
// Views shared by the pages

/// What a template sees as `page`.
#[derive(Serialize)]
pub(super) struct PageMeta {
    pub title: String,
    /// The page's folder, from the site root.
    pub url: String,
    pub description: Option<String>,
}

#[derive(Clone, Serialize)]
pub(super) struct PersonView<'a> {
    pub name: &'a str,
    pub email: Option<&'a str>,
    /// Job title, from data/people.yaml.
    pub title: Option<&'a str>,
    /// When they left, if on or before the as-of date.
    pub departed: Option<Date>,
    /// Their owner page, from the site root.
    pub href: Option<String>,
}

#[derive(Serialize)]
pub(super) struct FindingView<'a> {
    pub code: &'static str,
    pub anchor: String,
    pub level: LintLevel,
    pub file: &'a str,
    pub line: usize,
    pub subject: &'a str,
    pub subject_href: Option<String>,
    pub subject_title: Option<&'a str>,
    pub message: &'a str,
}

/// What a finding's line shows of its subject: its title, and the page it links to.
#[derive(Serialize)]
enum Subject<'a> {
    Exception { title: &'a str },
    Incident { title: &'a str },
    Page { url: &'a str, title: &'a str },
}

#[derive(Serialize)]
pub(super) struct RecordLink<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub href: String,
    /// The state or status, shown as a badge.
    pub badge: &'static str,
}

#[derive(Serialize)]
pub(super) struct PageRef<'a> {
    pub title: &'a str,
    pub href: String,
    pub path: &'a str,
}

/// A content section shown on the register page that stands at its folder.
#[derive(Serialize)]
pub(super) struct SectionIntro<'a> {
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub html: String,
    pub toc: Vec<&'a Heading>,
    pub children: Vec<ChildLink<'a>>,
}

/// A point in time as pages show it, and as a `datetime` attribute.
#[derive(Serialize)]
pub(super) struct StampView {
    pub text: String,
    pub iso: String,
}

impl From<Stamp> for StampView {
    fn from(s: Stamp) -> Self {
        let text = match s {
            Stamp::At(at) => at.format("%Y-%m-%d %H:%M %:z").to_string(),
            Stamp::Day(day) => day.to_string(),
        };
        StampView {
            text,
            iso: s.to_string(),
        }
    }
}

/// A count that links to where the counted records are listed.
#[derive(Serialize)]
pub(super) struct CountView {
    pub key: &'static str,
    pub label: &'static str,
    pub count: usize,
    /// From the site root; `None` when there is nothing to show.
    pub href: Option<String>,
}

/// Whole days to a date, in words: "in 3 days", "today", "2 days ago".
pub fn days_text(days: i64) -> String {
    match days {
        0 => "today".into(),
        1 => "in 1 day".into(),
        -1 => "1 day ago".into(),
        d if d > 0 => format!("in {d} days"),
        d => format!("{} days ago", -d),
    }
}

// ---------------------------------------------------------------------------------------
// Rendering

/// The context every register page starts from: what base.html needs.
pub(super) fn base_context<'a>(
    page: &'a PageMeta,
    breadcrumbs: Vec<PageLink>,
    prev: Option<PageLink>,
    next: Option<PageLink>,
) -> Values<'a> {
    let mut ctx = Values::default();
    ctx.insert_owned("root", links::root_prefix(&page.url));
    ctx.insert("page", page);
    ctx.insert_owned("breadcrumbs", breadcrumbs);
    ctx.insert_owned("prev", prev);
    ctx.insert_owned("next", next);
    ctx
}

/// Renders the page at `url` into `out`, unless `out` holds it from an earlier build.
pub(super) fn render_page(
    renderer: &Renderer,
    out: &Output,
    template: &str,
    page: Values,
    url: &str,
) -> Option<Diagnostic> {
    renderer.render_to(out, template, page, links::page_href(url))
}

/// What every record's page of a register shares: its template and its trail, with their
/// fingerprint and the renderer's. A record's page is fingerprinted by these, its id and
/// title, and what `shows` says its record's value shows, before any of its values is
/// made: a record edit made every record's page values to fingerprint them.
pub(super) struct RecordPages<'r> {
    renderer: &'r Renderer,
    template: &'static str,
    crumbs: Vec<PageLink>,
    fingerprint: u64,
}

impl<'r> RecordPages<'r> {
    pub fn new(
        facts: &Facts,
        renderer: &'r Renderer,
        register: (&str, &str),
        template: &'static str,
    ) -> RecordPages<'r> {
        let crumbs = facts.crumbs(Some(register));
        let mut fingerprint = Fingerprint::default();
        fingerprint
            .add(&renderer.fingerprint)
            .add(template)
            .add(&crumbs);
        RecordPages {
            renderer,
            template,
            crumbs,
            fingerprint: fingerprint.finish(),
        }
    }

    /// Renders the page of the record `(id, title)` at `url` into `out`, its value `key`
    /// made by `make`, unless `out` holds it from an earlier build whose record showed
    /// the same: `shows` adds all that `make` reads to a fingerprint.
    pub fn render(
        &self,
        out: &Output,
        url: &str,
        (id, title): (&str, &str),
        (key, shows): (&'static str, impl FnOnce(&mut Fingerprint)),
        make: impl FnOnce() -> tera::Value,
    ) -> Option<Diagnostic> {
        let path = links::page_href(url);
        let fingerprint = out.caches().then(|| {
            let mut fingerprint = Fingerprint::default();
            fingerprint
                .add(&self.fingerprint)
                .add(url)
                .add(id)
                .add(title);
            shows(&mut fingerprint);
            fingerprint.finish()
        });
        out.take_cached(&path, fingerprint, || {
            let page = PageMeta {
                title: format!("{id}: {title}"),
                url: url.to_string(),
                description: None,
            };
            let mut values = base_context(&page, self.crumbs.clone(), None, None);
            values.insert_lazy(key, make);
            let context = values.into_context_for(|name| self.renderer.reads(self.template, name));
            let html = self.renderer.render_file(self.template, &context, None)?;
            Ok(super::OutputFile::bytes(path.clone(), html))
        })
    }
}

/// Renders one page per item, in parallel, each put into `out` as soon as it is made.
pub(super) fn render_each<T: Sync>(
    items: &[T],
    render: impl Fn(&T) -> Option<Diagnostic> + Sync + Send,
) -> Vec<Diagnostic> {
    items.par_iter().filter_map(render).collect()
}

/// The positions of the first record of each id, letter case ignored. A second record with
/// the same id is already an error; it gets no page of its own, so the error is not
/// repeated as a clash of output paths.
pub(super) fn first_of_each_id<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<usize> {
    let mut seen = BTreeSet::new();
    ids.enumerate()
        .filter(|(_, id)| seen.insert(id.to_lowercase()))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A handbook of no pages and these records, each a whole file's text, as of
    /// 2026-06-30: for the facts of a few records, without loading a handbook from disk.
    pub(super) fn handbook_of(
        exceptions: impl IntoIterator<Item = String>,
        incidents: impl IntoIterator<Item = String>,
    ) -> Handbook {
        use crate::diagnostics::SourceFile;
        use crate::load::config::{Config, MarkdownConfig};
        use crate::load::content::Content;
        use crate::load::records::{Loaded, Records};
        use std::sync::Arc;

        fn loaded<T: serde::de::DeserializeOwned>(name: &str, text: String) -> Shared<T> {
            let record = serde_yaml::from_str(&text).unwrap();
            let source = SourceFile::new(name, text);
            Arc::new(Loaded { record, source })
        }
        let records = Records {
            exceptions: exceptions
                .into_iter()
                .map(|t| loaded("e.yaml", t))
                .collect(),
            incidents: incidents.into_iter().map(|t| loaded("i.yaml", t)).collect(),
            ..Records::default()
        };
        let content = Content {
            pages: Vec::new(),
            assets: Vec::new(),
            unreadable: Default::default(),
            drafts: BTreeSet::new(),
        };
        let markdown = MarkdownConfig::default();
        let (site, _) = Site::assemble(content, &records, BTreeSet::new(), &markdown, None);
        let as_of = Date::parse("2026-06-30").unwrap();
        Handbook::derive(Config::default(), as_of, site, records, None)
    }

    #[test]
    fn days_read_naturally() {
        assert_eq!(days_text(0), "today");
        assert_eq!(days_text(1), "in 1 day");
        assert_eq!(days_text(12), "in 12 days");
        assert_eq!(days_text(-1), "1 day ago");
        assert_eq!(days_text(-15), "15 days ago");
    }

    #[test]
    fn stamps_show_minutes_and_offset() {
        let at = Stamp::parse("2026-05-03T09:01:30-07:00").unwrap();
        let v = StampView::from(at);
        assert_eq!(v.text, "2026-05-03 09:01 -07:00");
        assert_eq!(v.iso, "2026-05-03T09:01:30-07:00");
        let day = StampView::from(Stamp::parse("2026-05-03").unwrap());
        assert_eq!(day.text, "2026-05-03");
    }

    #[test]
    fn duplicate_ids_get_one_page() {
        let ids = ["A-1", "a-1", "B", "A-1"];
        assert_eq!(first_of_each_id(ids.into_iter()), [0, 2]);
    }

    /// The exceptions' pages are kept whole through an edit to an incident that keeps what
    /// a link to it shows, and made again when the edit changes that; and the other way.
    #[test]
    fn a_kinds_pages_read_of_the_other_kind_what_a_link_shows() {
        // E-1 names I-1; E-2 and I-2 are linked with no record.
        let mut texts = [
            "id: E-1\ntitle: One\nstatus: pending\nrelated:\n  incidents: [I-1]\n",
            "id: E-2\ntitle: Two\nstatus: pending\n",
            "id: I-1\ntitle: One\nstatus: resolved\n",
            "id: I-2\ntitle: Two\nstatus: resolved\n",
        ]
        .map(String::from);
        let exception = "type: acceptance\nseverity: high\nrequested_by: A\nrisk_owner: B\ncreated: 2026-01-01\nsummary: s\njustification: j\n";
        let incident = "severity: sev2\ncommander: C\nsource: s\nsummary: s\nreported: 2026-05-01T06:00:00+00:00\nresolved: 2026-05-02T06:00:00+00:00\n";
        let keys = |texts: &[String; 4]| {
            let hb = handbook_of(
                texts[..2].iter().map(|t| format!("{t}{exception}")),
                texts[2..].iter().map(|t| format!("{t}{incident}")),
            );
            let facts = Facts::new(&hb);
            (facts.exceptions_inputs(), facts.incidents_inputs())
        };
        let mut was = keys(&texts);
        let mut expect = |texts: &[String; 4], exceptions: bool, incidents: bool, edit: &str| {
            let now = keys(texts);
            assert_eq!(now.0 != was.0, exceptions, "the exceptions' pages: {edit}");
            assert_eq!(now.1 != was.1, incidents, "the incidents' pages: {edit}");
            was = now;
        };

        texts[3] += "# A comment.\n";
        expect(&texts, false, true, "a comment in an incident");
        texts[3] = texts[3].replace("Two", "Second");
        expect(
            &texts,
            false,
            true,
            "the title of an incident linked with no exception",
        );
        texts[2] = texts[2].replace("One", "First");
        expect(&texts, true, true, "the title of one linked with one");
        texts[2] = texts[2].replace("resolved", "closed\nclosed: 2026-05-03");
        expect(&texts, true, true, "its status");
        texts[3] += "related:\n  exceptions: [E-2]\n";
        expect(&texts, true, true, "an incident that names an exception");

        texts[0] += "# A comment.\n";
        expect(&texts, true, false, "a comment in an exception");
        texts[0] = texts[0].replace("One", "First");
        expect(
            &texts,
            true,
            true,
            "the title of an exception linked with an incident",
        );
        texts[1] = texts[1].replace("pending", "withdrawn\nclosed: 2026-02-01");
        expect(&texts, true, true, "the state of one");
    }

    #[test]
    fn page_paths_are_normalised_and_anchors_are_ids() {
        assert_eq!(links::content_path("content/a/b.md"), "a/b.md");
        assert_eq!(links::content_path("/a.md"), "a.md");
        assert_eq!(code_anchor("exception.expired"), "code-exception-expired");
    }
}
