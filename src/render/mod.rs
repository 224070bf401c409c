//! Rendering through Tera: templates compiled once, pages rendered in parallel.

mod api;
mod cache;
pub mod calendar;
pub mod feeds;
mod metrics;
mod pages;
pub mod poam;
mod records;
pub mod search;
pub mod sitemap;
pub mod tracker;
pub mod units;

use cache::KeptPart;
pub use cache::{Fingerprint, Pieces, RenderCache, Values};
pub use metrics::{SummaryItem, status_summary};
pub use sitemap::sitemap;

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use crate::derive::handbook::Handbook;
use crate::derive::site::is_too_deep;
use crate::diagnostics::{Diagnostic, Error, SourceFile};
use crate::load::content;
use crate::load::records::{Records, SameRecords};
use crate::load::theme::{self, Body, Theme};
use crate::model::finding::Finding;
use crate::model::reserved::{OUTPUT_MARKER, is_reserved_name};
use crate::model::{links, text};
pub use crate::write::output::OutputFile;
use crate::write::output::{ClaimBlock, Origin, PartFiles, PathCheck, Staging};

/// Where rendered files go, each as soon as it is made, so a large site is never held in
/// memory whole: written into the staging folder by `build`, kept by `serve` (and by tests),
/// dropped by `check`. Every path is checked before anything is written.
pub struct Output {
    sink: Sink,
    state: Mutex<OutputState>,
    cache: Option<Arc<RenderCache>>,
}

enum Sink {
    Keep,
    /// Kept for a part of the site made as one ([`Output::put_part`]), every file as it is
    /// put: the build's own check, which knows every claim, refuses what it must when the
    /// part is put into it, as it would refuse the files put one at a time. A part made
    /// again holds the part as an earlier build made it, whose files are taken where their
    /// inputs did not change.
    Part(Option<KeptPart>),
    Write(Staging),
    Discard,
}

#[derive(Default)]
struct OutputState {
    paths: PathCheck,
    /// Every path put, with its size, when the files are not kept: a kept file holds both.
    index: Vec<(String, u64)>,
    kept: Vec<OutputFile>,
    /// For a part: beside each file of `kept`, the fingerprint it was made under, if any.
    made_from: Vec<Option<u64>>,
    diags: Vec<Diagnostic>,
    failure: Option<Error>,
    reused: usize,
}

impl OutputState {
    /// Every path put so far, where it is held: in the index, or with its file kept.
    fn put(&self) -> impl Iterator<Item = &String> {
        let kept = self.kept.iter().map(|f| &f.path);
        self.index.iter().map(|(p, _)| p).chain(kept)
    }
}

/// What an [`Output`] holds once rendering is over.
pub struct Finished {
    /// Every path put, with its size, in path order, when the files were not kept.
    index: Vec<(String, u64)>,
    /// The files themselves, in path order, when they were kept.
    pub files: Vec<OutputFile>,
    /// Paths that were refused.
    pub diags: Vec<Diagnostic>,
    /// The folder the files were written into, to commit.
    pub staging: Option<Staging>,
    /// How many files were taken from the cache rather than rendered.
    pub reused: usize,
}

impl Finished {
    /// How many files were put.
    pub fn count(&self) -> usize {
        self.index.len() + self.files.len()
    }

    /// The size of the file put at `path`.
    pub fn size_of(&self, path: &str) -> Option<u64> {
        let index = &self.index;
        let files = &self.files;
        match index.binary_search_by(|(p, _)| p.as_str().cmp(path)) {
            Ok(at) => Some(index[at].1),
            Err(_) => (files.binary_search_by(|f| f.path.as_str().cmp(path)).ok())
                .map(|at| files[at].body.size()),
        }
    }
}

impl Output {
    pub fn keep() -> Output {
        Output::new(Sink::Keep)
    }

    /// Keeps the files, taking those whose inputs did not change from `cache`, and leaves
    /// `cache` holding this build's files.
    pub fn keep_cached(cache: Arc<RenderCache>) -> Output {
        Output {
            cache: Some(cache),
            ..Output::keep()
        }
    }

    pub fn discard() -> Output {
        Output::new(Sink::Discard)
    }

    pub fn write_to(staging: Staging) -> Output {
        Output::new(Sink::Write(staging))
    }

    fn new(sink: Sink) -> Output {
        Output {
            sink,
            state: Mutex::new(OutputState::default()),
            cache: None,
        }
    }

    /// Reserves the path of every file the handbook itself chose: the files copied as they
    /// are, the pages and sections (but those a register shows), and the records. Done
    /// before anything is put, so that a refused path is reported at the file that chose
    /// it, together with the handbook's other errors; rendering then refuses any file of
    /// secbook's own at one of these paths. `serve` claims the records' pages as one
    /// block kept from its last build (see [`KeptClaims`]).
    pub fn claim(&self, handbook: &Handbook, files: &[OutputFile]) -> Vec<Diagnostic> {
        let mut claims = Vec::new();
        let mut claim = |path: String, origin| claims.push((path, origin));
        // The marker is written apart from the files, but is as much secbook's: a copy over
        // it would tell the next build it wrote what the user put in the folder.
        claim(OUTPUT_MARKER.to_string(), Origin::Site);
        for file in files {
            let origin = match &file.body {
                Body::Copy(from) => Origin::Copied(from.name.clone()),
                Body::Bytes(_) | Body::Parts(_) => Origin::Site,
            };
            claim(file.path.clone(), origin);
        }
        let site = &handbook.site;
        let shown = |url: &str| !content::is_register(url);
        // A page too deep is an error already, and its path longer for each folder.
        let claimed = site
            .pages
            .iter()
            .filter(|p| shown(&p.url) && !is_too_deep(p));
        for page in claimed {
            claim(
                links::page_href(&page.url),
                Origin::Page(Arc::clone(&page.source)),
            );
        }
        for (i, section) in site.sections.iter().enumerate() {
            if section.index.is_none() && shown(&section.url) {
                // The home page of a content/ without `_index.md` is secbook's own.
                let origin = match i {
                    0 => Origin::Site,
                    _ => Origin::Section(site.section_folder(i)),
                };
                claim(links::page_href(&section.url), origin);
            }
        }
        // A register shows the one content file written to its folder; two there (a page
        // and a section's index) are checked against each other alone, or one is lost.
        let shown_by_registers = (site.pages.iter())
            .filter(|p| !shown(&p.url) && !is_too_deep(p))
            .map(|p| {
                (
                    links::page_href(&p.url),
                    Origin::Page(Arc::clone(&p.source)),
                )
            });
        let mut diags = PathCheck::default().claim_all(shown_by_registers.collect());
        let mut state = self.lock();
        diags.extend(state.paths.claim_all(claims));
        let records = &handbook.records;
        let Some(cache) = &self.cache else {
            diags.extend(state.paths.claim_all(record_claims(records)));
            return diags;
        };
        let mut kept = cache.claims();
        let kept = kept.get_or_insert_with(KeptClaims::default);
        let block = match kept.follow(records) {
            Some(block) => block,
            None => match ClaimBlock::of(record_claims(records)) {
                Some(block) => block,
                // Some clash among themselves: claimed one at a time, to be reported.
                None => {
                    diags.extend(state.paths.claim_all(record_claims(records)));
                    return diags;
                }
            },
        };
        if let Err(block) = state.paths.claim_block(block) {
            // Kept for a later build: the claim that clashes with it may go.
            kept.block = Some(block);
            diags.extend(state.paths.claim_all(record_claims(records)));
        }
        diags
    }

    /// Claims `paths` for secbook's own files, before they are rendered.
    fn claim_own(&self, paths: Vec<String>) -> Vec<Diagnostic> {
        let claims = paths.into_iter().map(|p| (p, Origin::Site)).collect();
        self.lock().paths.claim_all(claims)
    }

    pub fn put(&self, file: OutputFile) {
        self.put_made(file, None);
    }

    /// Puts `file`, made under `fingerprint` when it has one.
    fn put_made(&self, file: OutputFile, fingerprint: Option<u64>) {
        {
            let mut state = self.lock();
            // A part's paths are checked when the part is put into the build.
            if let Sink::Part(_) = self.sink {
                state.made_from.push(fingerprint);
                state.kept.push(file);
                return;
            }
            if let Some(d) = state.paths.check(&file.path) {
                state.diags.push(d);
                return;
            }
            if let Sink::Keep = self.sink {
                state.kept.push(file);
                return;
            }
            state.index.push((file.path.clone(), file.body.size()));
        }
        if let Sink::Write(staging) = &self.sink
            && let Err(e) = staging.write(&file)
        {
            let mut state = self.lock();
            state.failure.get_or_insert(e);
        }
    }

    pub fn put_all(&self, files: impl IntoIterator<Item = OutputFile>) {
        for file in files {
            self.put(file);
        }
    }

    /// Puts the files of a part kept from an earlier build under one lock, each path
    /// checked against the others with the key worked out when the part was made.
    fn put_kept(&self, part: &Arc<PartFiles>) {
        if !matches!(self.sink, Sink::Keep) {
            return self.put_all(part.files().iter().cloned());
        }
        let mut state = self.lock();
        let state = &mut *state;
        state.kept.reserve(part.files().len());
        let whole = state.paths.put_whole(part);
        for (file, key) in part.keyed_files() {
            if !whole && let Some(d) = state.paths.check_keyed(&file.path, key) {
                state.diags.push(d);
                continue;
            }
            state.kept.push(file.clone());
        }
    }

    /// A renderer for `theme` and `globals`: the one an earlier build made, when neither
    /// changed since. Compiling the templates and making the globals into template values
    /// is most of the work of a rebuild that renders one page.
    pub fn renderer(
        &self,
        theme: &Theme,
        globals: Values,
    ) -> Result<Arc<Renderer>, Vec<Diagnostic>> {
        let Some(cache) = &self.cache else {
            return Renderer::new(theme, globals, 0).map(Arc::new);
        };
        let fingerprint = Renderer::fingerprint_of(theme, &globals);
        cache.renderer(fingerprint, || Renderer::new(theme, globals, fingerprint))
    }

    /// Puts a rendered file, or hands back why it could not be rendered.
    pub fn take(&self, rendered: Result<OutputFile, Diagnostic>) -> Option<Diagnostic> {
        rendered.map(|f| self.put(f)).err()
    }

    /// Whether the output keeps files from earlier builds, so that fingerprints are
    /// worth working out.
    pub fn caches(&self) -> bool {
        self.cache.is_some()
    }

    /// Puts the file at `path` that `render` makes, or the one made by an earlier build
    /// from inputs with the same `fingerprint`.
    pub fn take_cached(
        &self,
        path: &str,
        fingerprint: Option<u64>,
        render: impl FnOnce() -> Result<OutputFile, Diagnostic>,
    ) -> Option<Diagnostic> {
        let (Some(cache), Some(fingerprint)) = (&self.cache, fingerprint) else {
            return self.take(render());
        };
        // A part's files are taken from the part as last made, the others by path.
        let kept = match &self.sink {
            Sink::Part(earlier) => earlier
                .as_ref()
                .and_then(|part| part.get(path, fingerprint)),
            _ => cache.get(path, fingerprint),
        };
        let file = match kept {
            Some(body) => {
                self.state
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .reused += 1;
                OutputFile {
                    path: path.to_string(),
                    body,
                }
            }
            None => match render() {
                Ok(file) => {
                    if !matches!(self.sink, Sink::Part(_)) {
                        cache.insert(&file.path, fingerprint, &file.body);
                    }
                    file
                }
                Err(d) => return Some(d),
            },
        };
        self.put_made(file, Some(fingerprint));
        None
    }

    /// Puts the files of the export `name` that `make` makes, or those an earlier build
    /// made from inputs with the same fingerprint, which `inputs` works out.
    pub fn put_export(
        &self,
        name: &'static str,
        inputs: impl FnOnce() -> u64,
        make: impl FnOnce() -> Vec<OutputFile>,
    ) {
        let Some(cache) = &self.cache else {
            return self.put_all(make());
        };
        let (part, reused) = cache.export(name, inputs(), make);
        if reused {
            self.lock().reused += part.files().len();
        }
        self.put_kept(&part);
    }

    /// Puts the files that `render` puts into the output it is given, or, when `inputs` (a
    /// fingerprint of all that those files are made from) is as it was for an earlier
    /// build, the files it put then, without working out any file's own fingerprint: on a
    /// large register, that of each registry page and each record's page is most of a
    /// rebuild that changed none of them.
    pub fn put_part(
        &self,
        name: &'static str,
        inputs: impl FnOnce() -> u64,
        render: impl FnOnce(&Output) -> Vec<Diagnostic>,
    ) -> Vec<Diagnostic> {
        let Some(cache) = &self.cache else {
            return render(self);
        };
        let fingerprint = inputs();
        if let Some(part) = cache.part(name, fingerprint) {
            self.lock().reused += part.files().len();
            self.put_kept(&part);
            return Vec::new();
        }
        let part = Output {
            cache: Some(Arc::clone(cache)),
            ..Output::new(Sink::Part(cache.last_part(name)))
        };
        let diags = render(&part);
        let made = part
            .state
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let part = KeptPart::new(made.kept, made.made_from);
        self.lock().reused += made.reused;
        self.put_kept(part.files());
        // A part with errors is made again, so that they are reported again.
        if diags.is_empty() {
            cache.keep_part(name, fingerprint, part);
        }
        diags
    }

    /// The pieces, one per record, of the file `name`: those an earlier build made are
    /// kept, each with its record's file and `shape`, what shapes every record.
    pub fn pieces(&self, name: &'static str, shape: impl FnOnce() -> u64) -> Pieces<'_> {
        match &self.cache {
            Some(cache) => cache.pieces(name, shape()),
            None => Pieces::fresh(),
        }
    }

    /// The text `make` makes, or the one it made for an earlier build from inputs with
    /// the same fingerprint, which `inputs` works out.
    pub fn text(
        &self,
        name: &'static str,
        inputs: impl FnOnce() -> u64,
        make: impl FnOnce() -> String,
    ) -> Arc<str> {
        match &self.cache {
            Some(cache) => cache.text(name, inputs(), make),
            None => make().into(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, OutputState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The [`sitemap()`] of every path put so far, read where they are.
    pub fn sitemap(&self, base_url: &str) -> Vec<OutputFile> {
        sitemap(base_url, self.lock().put())
    }

    /// The folders at the top of the site, of every path put so far, in order.
    pub fn top_folders(&self) -> Vec<String> {
        let state = self.lock();
        let folders: std::collections::BTreeSet<&str> = state
            .put()
            .filter_map(|p| Some(p.split_once('/')?.0))
            .collect();
        folders.into_iter().map(String::from).collect()
    }

    /// Ends the output; fails when a file could not be written.
    pub fn finish(self) -> Result<Finished, Error> {
        let state = self
            .state
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(e) = state.failure {
            return Err(e);
        }
        // One of the two is empty. A kept part is put whole and in path order (see
        // `PartFiles::new`): a stable sort finds such runs and merges them, where an
        // unstable one sorted the 27,000 files of a large register's rebuild from scratch.
        let (mut index, mut files) = (state.index, state.kept);
        index.par_sort_unstable();
        files.par_sort_by(|a, b| a.path.cmp(&b.path));
        if let Some(cache) = &self.cache {
            cache.end_build();
            if let Some(block) = state.paths.into_block()
                && let Some(kept) = cache.claims().as_mut()
            {
                kept.block = Some(block);
            }
        }
        Ok(Finished {
            index,
            files,
            diags: state.diags,
            reused: state.reused,
            staging: match self.sink {
                Sink::Write(staging) => Some(staging),
                _ => None,
            },
        })
    }
}

/// The claims of the records' pages as one block, with the records they were made from,
/// held so that none is freed and another loaded in its place: the block is claimed again
/// while each record is the one loaded before, as a page edit leaves them, or has its id,
/// as most record edits leave them.
#[derive(Default)]
pub(crate) struct KeptClaims {
    records: SameRecords,
    /// `None` while a build holds it, or when the claims clash among themselves.
    block: Option<ClaimBlock>,
}

impl KeptClaims {
    /// The block for `records`, which are held from now on: the records' pages claim the
    /// same paths as those of the records held, but each edited record's page is now
    /// claimed by its new file, at whose lines a clash with it is reported. Claiming the
    /// 25,000 pages of a large register again was a twentieth of a record edit's work.
    fn follow(&mut self, records: &Records) -> Option<ClaimBlock> {
        if self.records.hold(records) {
            return self.block.take();
        }
        let block = self.block.take().and_then(|mut block| {
            let (exceptions, incidents) = self.records.replaced(records)?;
            for (was, now) in exceptions {
                let path = records::exception_href(&now.record.id);
                block.reclaim(&path, &was.source, &now.source);
            }
            for (was, now) in incidents {
                let path = records::incident_href(&now.record.id);
                block.reclaim(&path, &was.source, &now.source);
            }
            Some(block)
        });
        self.records = records.same_records();
        block
    }
}

/// What the records' pages claim: each id's page, made from its first record (a second
/// record with an id is already an error, and gets no page).
fn record_claims(records: &Records) -> Vec<(String, Origin)> {
    let exceptions = &records.exceptions;
    let incidents = &records.incidents;
    let first = |ids: Vec<&str>| records::first_of_each_id(ids.into_iter());
    let e = first(exceptions.iter().map(|r| r.record.id.as_str()).collect());
    let i = first(incidents.iter().map(|r| r.record.id.as_str()).collect());
    let claim = |href: fn(&str) -> String, id: &str, source: &Arc<SourceFile>| {
        (href(id), Origin::Record(Arc::clone(source)))
    };
    // An id that is a device's name is an error at the id already: its path is not told
    // again.
    (e.into_iter().map(|n| &exceptions[n]))
        .filter(|r| !is_reserved_name(&r.record.id))
        .map(|r| claim(records::exception_href, &r.record.id, &r.source))
        .chain(
            (i.into_iter().map(|n| &incidents[n]))
                .filter(|r| !is_reserved_name(&r.record.id))
                .map(|r| claim(records::incident_href, &r.record.id, &r.source)),
        )
        .collect()
}

/// An entry of the top menu.
#[derive(Debug, Clone, Serialize)]
pub struct MenuItem {
    pub title: &'static str,
    pub href: &'static str,
}

/// The top menu: the pages every reader looks for first.
pub fn menu() -> Vec<MenuItem> {
    use crate::model::site_files;
    [
        ("Handbook", site_files::HOME),
        ("Exceptions", site_files::EXCEPTIONS),
        ("Incidents", site_files::INCIDENTS),
        ("Action items", site_files::ACTION_ITEMS),
        ("Owners", site_files::OWNERS),
        ("Metrics", site_files::METRICS),
        ("Status", site_files::STATUS),
        ("Audit", site_files::AUDIT),
    ]
    .into_iter()
    .map(|(title, href)| MenuItem { title, href })
    .collect()
}

/// What rendering `handbook` would report of its own inputs, found without rendering it:
/// the templates its pages name, and its pages, records and static files at the paths of
/// secbook's own files. A handbook with errors is not rendered (the charts, say, assume
/// what validation guarantees), and these are reported with its other errors.
pub fn unrendered_errors(
    handbook: &Handbook,
    renderer: &Renderer,
    out: &Output,
) -> Vec<Diagnostic> {
    let mut diags = pages::template_errors(&handbook.site, renderer);
    diags.extend(out.claim_own(fixed_paths()));
    diags
}

/// The paths of the files every build writes, whatever the handbook holds. The charts are
/// left out: their names come from the metrics, which a handbook with errors may not have.
fn fixed_paths() -> Vec<String> {
    let files = [
        links::page_href(metrics::URL),
        metrics::JSON_PATH.into(),
        search::PAGE_PATH.into(),
        search::INDEX_PATH.into(),
        pages::NOT_FOUND_PATH.into(),
        api::EXCEPTIONS_PATH.into(),
        api::INCIDENTS_PATH.into(),
        api::FINDINGS_PATH.into(),
        feeds::EXCEPTIONS_PATH.into(),
        feeds::INCIDENTS_PATH.into(),
        calendar::PATH.into(),
        poam::PATH.into(),
        tracker::EXPORT_PATH.into(),
    ];
    let mut paths = records::registry_paths();
    paths.extend(files);
    paths
}

/// Renders every file the site holds beyond static files and the sitemap: pages,
/// records, and exports, each put into `out` as soon as it is made. The parts are
/// independent, so they run side by side, and the large ones are parallel inside too.
pub fn render_all(handbook: &Handbook, renderer: &Renderer, out: &Output) -> Vec<Diagnostic> {
    // The pages and the metrics read none of the facts the other parts share: they are
    // rendered while those are worked out, which takes one core a while on a large register.
    let (mut diags, more) = rayon::join(
        || render_with_facts(handbook, renderer, out),
        || {
            let extras = records::PageExtras::new(handbook);
            let summary = status_summary(handbook);
            let parts: Vec<Part> = vec![
                Box::new(|| pages::render_pages(&handbook.site, renderer, &extras, &summary, out)),
                // The metrics' page, charts and JSON read the metrics and the templates
                // alone: kept while neither changes, as a page edit leaves them.
                Box::new(|| {
                    let inputs = || {
                        let mut inputs = Fingerprint::default();
                        inputs.add(&renderer.fingerprint).add(&*handbook.metrics);
                        inputs.finish()
                    };
                    out.put_part("metrics", inputs, |out| {
                        metrics::render_metrics(handbook, renderer, out)
                    })
                }),
            ];
            render_parts(&parts)
        },
    );
    diags.extend(more);
    // Last, as it names every folder at the top of the site.
    let base_url = &handbook.config.base_url;
    diags.extend(pages::render_not_found(
        base_url,
        out.top_folders(),
        renderer,
        out,
    ));
    diags
}

/// The parts of [`render_all`] that read [`records::Facts`]: the registers and the exports.
fn render_with_facts(handbook: &Handbook, renderer: &Renderer, out: &Output) -> Vec<Diagnostic> {
    let records_key = OnceLock::new();
    let facts = records::Facts::new(handbook);
    let records_shape = || facts.records_shape();
    let records_key =
        || *records_key.get_or_init(|| records_inputs(records_shape(), facts.record_files()));
    let findings_key = OnceLock::new();
    let findings_key = || *findings_key.get_or_init(|| findings_inputs(&handbook.findings));
    // The registers' pages read the records, the findings and, through `facts`, the
    // site: made again only when one of them changes. The exceptions' and the incidents'
    // pages read only what a link shows of the records of the other kind.
    let shared_key = OnceLock::new();
    let shared_key = || {
        *shared_key.get_or_init(|| {
            let mut inputs = Fingerprint::default();
            inputs
                .add(&renderer.fingerprint)
                .add(&findings_key())
                .add(&facts.site_inputs());
            inputs.finish()
        })
    };
    let register =
        |name, records: &dyn Fn() -> u64, render: &dyn Fn(&Output) -> Vec<Diagnostic>| {
            let inputs = || {
                let mut inputs = Fingerprint::default();
                inputs.add(&shared_key()).add(&records());
                inputs.finish()
            };
            out.put_part(name, inputs, render)
        };
    // An export reads the records and no page: it is made again only when they change,
    // and then only the pieces of the records that changed.
    let export = |name, make: &dyn Fn() -> Vec<OutputFile>| {
        out.put_export(name, records_key, make);
        Vec::new()
    };
    // The POA&M leads the records' links where they lead in the site: the pages' paths
    // and headings too.
    let linking_key = || {
        let mut inputs = Fingerprint::default();
        inputs.add(&records_key()).add(&handbook.site.links_key());
        inputs.finish()
    };
    let pieces = |name| out.pieces(name, records_shape);
    let parts: Vec<Part> = vec![
        Box::new(|| {
            register("exceptions", &|| facts.exceptions_inputs(), &|out| {
                records::render_exceptions(&facts, renderer, out)
            })
        }),
        Box::new(|| {
            register("incidents", &|| facts.incidents_inputs(), &|out| {
                records::render_incidents(&facts, renderer, out)
            })
        }),
        Box::new(|| {
            register("status", &records_key, &|out| {
                records::render_status(&facts, renderer, out)
            })
        }),
        Box::new(|| {
            register("audit", &records_key, &|out| {
                records::render_audit(&facts, renderer, out)
            })
        }),
        Box::new(|| {
            register("owners", &records_key, &|out| {
                records::render_owners(&facts, renderer, out)
            })
        }),
        Box::new(|| {
            export("feeds/exceptions", &|| {
                feeds::render_exceptions_feed(handbook)
            })
        }),
        Box::new(|| {
            export("feeds/incidents", &|| {
                feeds::render_incidents_feed(handbook)
            })
        }),
        Box::new(|| {
            export("calendar", &|| {
                calendar::render_calendar(handbook, &pieces("calendar"))
            })
        }),
        Box::new(|| {
            out.put_export("poam", linking_key, || {
                poam::render_poam(handbook, &pieces("poam/risks"), &pieces("poam/items"))
            });
            Vec::new()
        }),
        Box::new(|| {
            // The API lists the findings, pages' among them.
            let inputs = || {
                let mut inputs = Fingerprint::default();
                inputs.add(&records_key()).add(&findings_key());
                inputs.finish()
            };
            out.put_export("api", inputs, || {
                let exceptions = pieces("api/exceptions");
                api::render_api(handbook, &exceptions, &pieces("api/incidents"))
            });
            Vec::new()
        }),
        Box::new(|| {
            export("tracker", &|| {
                tracker::render_tracker(handbook, &pieces("tracker"))
            })
        }),
        Box::new(|| {
            let records = (records_key, records_shape);
            search::render_search(handbook, records, renderer, out)
        }),
    ];
    render_parts(&parts)
}

/// One part of the site for [`render_all`] to render: its diagnostics.
type Part<'a> = Box<dyn Fn() -> Vec<Diagnostic> + Sync + Send + 'a>;

/// Renders `parts` side by side, each on its own.
fn render_parts(parts: &[Part]) -> Vec<Diagnostic> {
    parts
        .par_iter()
        .with_max_len(1)
        .flat_map_iter(|part| part())
        .collect()
}

/// A hash of what shapes every record as loaded and derived besides its own file: the
/// configuration, which also redacts them, the as-of date, data/people.yaml, which fills in
/// approvals, what the audience may not read, which leaves their links and `related`
/// lists, and their history.
pub(crate) fn records_shape_of(handbook: &Handbook) -> u64 {
    let mut restricted = DefaultHasher::new();
    handbook.site.restricted().hash(&mut restricted);
    let mut inputs = Fingerprint::default();
    inputs
        .add(&handbook.settings_key())
        .add(&restricted.finish());
    if let Some(history) = &handbook.history {
        inputs.add(&history.exceptions).add(&history.incidents);
    }
    inputs.finish()
}

/// A hash of what the records are made from: their `files` ([`records::Facts::record_files`])
/// and `shape`, what shapes them all. What every export but the API depends on.
fn records_inputs(shape: u64, files: [u64; 2]) -> u64 {
    let mut inputs = Fingerprint::default();
    inputs.add(&shape).add(&files);
    inputs.finish()
}

/// A hash of the findings, of all that pages and exports show of them.
fn findings_inputs(findings: &[Arc<Finding>]) -> u64 {
    let mut inputs = Fingerprint::default();
    for f in findings {
        inputs.hash(&(f.code, f.level, &f.file, f.line, &f.subject, &f.message));
    }
    inputs.finish()
}

/// The values each template may read: what Tera finds it, the templates it extends and
/// those it includes name, and, since Tera's search is best-effort, also every name any
/// template sets (a `set` in one branch hides the value read after it) and every implicit
/// argument of a component (read from its caller). A theme that dumps the whole context
/// (`__tera_context`) reads everything.
fn template_reads(
    tera: &Tera,
    sources: &BTreeMap<String, Arc<SourceFile>>,
) -> HashMap<String, Option<HashSet<String>>> {
    let dumps = sources
        .values()
        .any(|file| file.text.contains("__tera_context"));
    let mut always: HashSet<String> = sources.values().flat_map(|f| set_names(&f.text)).collect();
    for component in tera.get_component_names() {
        if let Some(info) = tera.get_component_definition(component) {
            always.extend(
                info.args()
                    .iter()
                    .filter(|arg| arg.is_implicit())
                    .map(|arg| arg.name().to_string()),
            );
        }
    }
    sources
        .keys()
        .map(|name| {
            let names = tera
                .get_template_variables(name)
                .ok()
                .filter(|_| !dumps)
                .map(|found| {
                    let mut names = always.clone();
                    names.extend(found.into_iter().map(String::from));
                    names
                });
            (name.clone(), names)
        })
        .collect()
}

/// The names a template's `{% set name = ... %}`, `{% set_global name %}` and the like
/// assign.
fn set_names(text: &str) -> impl Iterator<Item = String> + '_ {
    let word = |s: &str| -> usize {
        s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len())
    };
    text.split("{%").skip(1).filter_map(move |tag| {
        let tag = tag.trim_start_matches('-').trim_start();
        let keyword = &tag[..word(tag)];
        if keyword != "set" && keyword != "set_global" {
            return None;
        }
        let rest = tag[keyword.len()..].trim_start();
        let name = &rest[..word(rest)];
        (!name.is_empty()).then(|| name.to_string())
    })
}

pub struct Renderer {
    tera: Tera,
    sources: BTreeMap<String, Arc<SourceFile>>,
    /// The values each template may read, by its name; `None` where it may read any.
    reads: HashMap<String, Option<HashSet<String>>>,
    /// The size of each template's last output, by its name: the next output of a template
    /// is written into a buffer of about that size, where growing one copied it each time.
    sizes: HashMap<String, AtomicUsize>,
    /// The templates and the globals: what every rendered file depends on.
    pub fingerprint: u64,
    /// The theme's bound on a rendered file.
    max_rendered_bytes: usize,
}

/// The largest buffer a template's last output makes for its next: one huge page does not
/// make every later page of its template hold as much memory.
const MAX_SIZE_HINT: usize = 1 << 20;

/// The size a template's last output is told as when it was stopped at the theme's
/// `max_rendered_bytes`.
const RUNAWAY: usize = usize::MAX;

/// A rendered file's buffer, which refuses to grow past `max`: Tera stops at the first
/// write it refuses.
struct Bounded {
    out: Vec<u8>,
    max: usize,
    refused: bool,
}

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf).map(|()| buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if self.out.len() + buf.len() > self.max {
            self.refused = true;
            return Err(std::io::Error::other("the rendered file is too large"));
        }
        self.out.extend_from_slice(buf);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Renderer {
    /// What a renderer for `theme` and `globals` depends on.
    fn fingerprint_of(theme: &Theme, globals: &Values) -> u64 {
        let mut fingerprint = globals.fingerprint();
        for (name, file) in &theme.templates {
            fingerprint.add(name).add(&file.text);
        }
        fingerprint.add(&theme.max_rendered_bytes);
        fingerprint.finish()
    }

    /// Compiles every template of the theme once.
    fn new(theme: &Theme, globals: Values, fingerprint: u64) -> Result<Renderer, Vec<Diagnostic>> {
        let mut tera = Tera::new();
        tera.set_escape_fn(escape);
        tera.register_filter("safe", safe);
        tera.register_filter("fragment", |id: &str, _: tera::Kwargs, _: &tera::State| {
            links::fragment(id)
        });
        tera.register_filter("mailto", |email: &str, _: tera::Kwargs, _: &tera::State| {
            links::mailto(email)
        });
        tera.register_filter(
            "breakable",
            |value: &str, _: tera::Kwargs, _: &tera::State| {
                tera::Value::safe_string(&breakable(value))
            },
        );
        tera.register_filter(
            "css_string",
            |value: &str, _: tera::Kwargs, _: &tera::State| {
                tera::Value::safe_string(&css_string(value))
            },
        );
        let sources = theme.templates.clone();
        let raw: Vec<(&str, &str)> = sources
            .iter()
            .map(|(name, file)| (name.as_str(), file.text.as_str()))
            .collect();
        tera.add_raw_templates(raw)
            .map_err(|e| vec![theme::to_diagnostic(&e, &sources)])?;
        tera.global_context().extend(globals.into_context());
        let reads = template_reads(&tera, &sources);
        let sizes = sources
            .keys()
            .map(|name| (name.clone(), AtomicUsize::new(0)))
            .collect();
        Ok(Renderer {
            tera,
            sources,
            reads,
            sizes,
            fingerprint,
            max_rendered_bytes: theme.max_rendered_bytes,
        })
    }

    /// Whether `template` may read the value `name`: a value no template reads is not made.
    pub fn reads(&self, template: &str, name: &str) -> bool {
        match self.reads.get(template) {
            Some(Some(names)) => names.contains(name),
            _ => true,
        }
    }

    pub fn has_template(&self, name: &str) -> bool {
        self.tera.contains_template(name)
    }

    /// The text of template `name` and the texts of those that define components, which
    /// it may call: all its output can be made of; `None` when it may include or extend
    /// another template.
    pub fn texts_reached_from(&self, name: &str) -> Option<Vec<&str>> {
        let own = &self.sources.get(name)?.text;
        if own.contains("include") || own.contains("extends") || own.contains("import") {
            return None;
        }
        let texts = self
            .sources
            .iter()
            .filter(|(n, file)| *n == name || file.text.contains("component "))
            .map(|(_, file)| file.text.as_str());
        Some(texts.collect())
    }

    /// Renders the page at `path` into `out`, unless `out` holds it from an earlier build
    /// made from the same `values`.
    pub fn render_to(
        &self,
        out: &Output,
        template: &str,
        values: Values,
        path: String,
    ) -> Option<Diagnostic> {
        let fingerprint = out.caches().then(|| {
            let mut fingerprint = values.fingerprint();
            fingerprint.add(&self.fingerprint).add(template);
            fingerprint.finish()
        });
        out.take_cached(&path, fingerprint, || {
            let context = values.into_context_for(|name| self.reads(template, name));
            let html = self.render_file(template, &context, None)?;
            Ok(OutputFile::bytes(path.clone(), html))
        })
    }

    pub fn render(&self, template: &str, context: &Context) -> Result<String, Diagnostic> {
        self.tera
            .render(template, context)
            .map_err(|e| theme::to_diagnostic(&e, &self.sources))
    }

    /// [`Renderer::render`] into a buffer made for about `size` bytes: a page's HTML,
    /// which may be a hundred megabytes, would otherwise be copied each time the buffer
    /// grew.
    pub fn render_sized(
        &self,
        template: &str,
        values: Values,
        size: usize,
    ) -> Result<Vec<u8>, Diagnostic> {
        let context = values.into_context_for(|name| self.reads(template, name));
        self.render_file(template, &context, Some(size))
    }

    /// The bytes of a file rendered from `template`, in a buffer made for about `size`
    /// bytes, or else for about the template's last output. Tera writes nothing but UTF-8,
    /// so the bytes are not checked again as [`Renderer::render`]'s String is.
    pub fn render_file(
        &self,
        template: &str,
        context: &Context,
        size: Option<usize>,
    ) -> Result<Vec<u8>, Diagnostic> {
        let last = self.sizes.get(template);
        let runaway = || {
            let diag = Diagnostic::error(format!(
                "template `{template}` wrote more than {} MB for one file, and was stopped",
                self.max_rendered_bytes >> 20
            ))
            .with_hint("a loop of the template runs far longer than meant, or one in another");
            match self.sources.get(template) {
                Some(file) => diag.at(file, file.line_span(0)),
                None => diag,
            }
        };
        let last_size = last.map_or(0, |l| l.load(Ordering::Relaxed));
        // Its other files would each run as long before they were stopped too.
        if last_size == RUNAWAY {
            return Err(runaway());
        }
        let size = size.unwrap_or((last_size + last_size / 8).min(MAX_SIZE_HINT));
        let mut out = Bounded {
            out: Vec::with_capacity(size),
            max: self.max_rendered_bytes,
            refused: false,
        };
        let rendered = self.tera.render_to(template, context, &mut out);
        if let Some(last) = last {
            last.store(
                if out.refused { RUNAWAY } else { out.out.len() },
                Ordering::Relaxed,
            );
        }
        match rendered {
            Err(_) if out.refused => Err(runaway()),
            Err(e) => Err(theme::to_diagnostic(&e, &self.sources)),
            Ok(()) => Ok(out.out),
        }
    }
}

/// Tera's escaping, and after a value the closing of any bidirectional embedding,
/// override or isolate it leaves open ([`text::bidi_closers`]), so that a value cannot
/// reorder the page's text after it.
fn escape(value: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    tera::escape_html(value, out)?;
    match text::bidi_closers(value) {
        closers if closers.is_empty() => Ok(()),
        closers => out.write_all(closers.as_bytes()),
    }
}

/// `value` escaped, with a chance to break the line (`<wbr>`) after each `@` and `/` and
/// before each `.`: an address or a path in a narrow column, printed, breaks between its
/// parts (`ann.lee@` / `example.org`) rather than mid-word, and the column is as narrow as
/// its longest part. Each part is escaped as a value of its own, its bidirectional
/// formatting closed before the break.
fn breakable(value: &str) -> String {
    let mut out = Vec::with_capacity(value.len() + 16);
    let mut start = 0;
    for (i, c) in value.char_indices() {
        let end = match c {
            '.' => i,
            '@' | '/' => i + 1,
            _ => continue,
        };
        if end > start {
            // Writing to a Vec cannot fail.
            let _ = escape(&value[start..end], &mut out);
            out.extend_from_slice(b"<wbr>");
            start = end;
        }
    }
    let _ = escape(&value[start..], &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// `value` as a CSS string, quotes included, to stand in a `<style>` element, where HTML's
/// escapes are not read: a quote or a backslash is escaped, `<` too, so no `</style>` can
/// end the element, and a control character or line break is a space. Its bidirectional
/// formatting is closed, as [`escape`] closes it in HTML.
fn css_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in text::bidi_closed(value).chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("\\3c "),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Tera's `safe` filter, without its copy: a string is marked as needing no escaping,
/// anything else is written as text first. Tera's copies every string it marks, and a
/// page's HTML, which `page.html | safe` marks, may be a hundred megabytes. A value that is
/// not defined is an error, as it is written without the filter: Tera's wrote nothing, so
/// Zola's `page.content | safe` gave every page an empty body without a word.
fn safe(value: tera::Value, _: tera::Kwargs, _: &tera::State) -> tera::TeraResult<tera::Value> {
    if value.is_undefined() {
        return Err(tera::Error::message(
            "the value given to `safe` is not defined: the template names a field or variable \
             this page does not have (its text is `page.html`)",
        ));
    }
    Ok(match value.as_str() {
        Some(_) => value.mark_safe(),
        None => tera::Value::safe_string(&value.to_string()),
    })
}

/// Serialises a value for a template context; our types always serialise.
pub fn value<T: Serialize + ?Sized>(v: &T) -> tera::Value {
    tera::Value::from_serializable(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breakable_text_is_escaped_and_breaks_between_its_parts() {
        assert_eq!(
            breakable("ann.lee@example.org"),
            "ann<wbr>.lee@<wbr>example<wbr>.org"
        );
        assert_eq!(
            breakable("data/<b>&x.yaml"),
            "data/<wbr>&lt;b&gt;&amp;x<wbr>.yaml"
        );
        assert_eq!(
            breakable("a\u{202e}b.c@d"),
            "a\u{202e}b\u{202c}<wbr>.c@<wbr>d"
        );
        assert_eq!(breakable(".x/"), ".x/<wbr>");
    }

    /// Two files of one part at one path: the second is refused whether or not the
    /// output keeps parts between builds, where a kept part's own refusal went unreported.
    #[test]
    fn a_part_that_puts_a_path_twice_is_refused_as_without_a_cache() {
        let refused = |out: Output| {
            let diags = out.put_part(
                "twice",
                || 1,
                |part| {
                    for body in ["one", "second"] {
                        part.put(OutputFile::bytes("a/index.html", body.as_bytes().to_vec()));
                    }
                    Vec::new()
                },
            );
            assert!(diags.is_empty());
            let finished = out.finish().unwrap();
            let files: Vec<_> = (finished.files.iter())
                .map(|f| (f.path.clone(), f.body.size()))
                .collect();
            let diags: Vec<_> = finished.diags.iter().map(|d| d.message.clone()).collect();
            (files, diags)
        };
        let fresh = refused(Output::keep());
        assert_eq!(fresh.0, [("a/index.html".to_string(), 3)]);
        assert_eq!(fresh.1.len(), 1, "{:?}", fresh.1);
        let cache = Arc::new(cache::RenderCache::default());
        assert_eq!(refused(Output::keep_cached(Arc::clone(&cache))), fresh);
        assert_eq!(refused(Output::keep_cached(cache)), fresh);
    }

    /// The `safe` filter writes what Tera's own writes, for strings and for other values.
    #[test]
    fn safe_marks_as_teras_own_does() {
        let template = "{{ s | safe }}|{{ s }}|{{ n | safe }}|{{ a | safe }}|{{ m | safe }}";
        let mut context = Context::new();
        context.insert("s", "<b>&</b>");
        context.insert("n", &2.5);
        context.insert("a", &(1, "<i>"));
        context.insert("m", &BTreeMap::from([("k", "<v>")]));
        let render = |tera: &mut Tera| {
            tera.add_raw_template("t.html", template).unwrap();
            tera.render("t.html", &context).unwrap()
        };
        let theirs = render(&mut Tera::new());
        let mut ours = Tera::new();
        ours.register_filter("safe", safe);
        assert_eq!(render(&mut ours), theirs);
        assert!(theirs.starts_with("<b>&</b>|&lt;b&gt;"), "{theirs}");
    }

    /// A value in a `<style>` element cannot end the string, the element or the line, and
    /// its bidirectional formatting is closed.
    #[test]
    fn a_css_string_holds_any_value() {
        assert_eq!(css_string("Plain"), "\"Plain\"");
        assert_eq!(
            css_string("a\"b\\c</style><x>\nd"),
            "\"a\\\"b\\\\c\\3c /style>\\3c x> d\""
        );
        assert_eq!(css_string("\u{202e}evil"), "\"\u{202e}evil\u{202c}\"");
    }

    /// A template whose loops would write without end is stopped at the theme's bound, and
    /// its other files are not rendered to be stopped again; another template renders.
    #[test]
    fn a_template_that_writes_past_the_bound_is_stopped() {
        let endless = "{% for i in range(end=100000) %}{% for j in range(end=100000) %}x{% endfor %}{% endfor %}";
        let theme = Theme {
            templates: BTreeMap::from([
                (
                    "endless.html".to_string(),
                    SourceFile::new("themes/t/templates/endless.html", endless),
                ),
                (
                    "fine.html".to_string(),
                    SourceFile::new("fine.html", "fine"),
                ),
            ]),
            statics: BTreeMap::new(),
            max_rendered_bytes: 1 << 20,
        };
        let renderer = Renderer::new(&theme, Values::default(), 0).unwrap();
        let context = Context::new();
        for _ in 0..2 {
            let err = renderer
                .render_file("endless.html", &context, None)
                .unwrap_err();
            assert!(
                err.message
                    == "template `endless.html` wrote more than 1 MB for one file, and was stopped",
                "{}",
                err.message
            );
            assert!(
                err.render().contains("themes/t/templates/endless.html"),
                "{}",
                err.render()
            );
        }
        assert_eq!(
            renderer.render_file("fine.html", &context, None).unwrap(),
            b"fine"
        );
    }

    /// A file is rendered into a buffer of about its template's last output, never more
    /// than [`MAX_SIZE_HINT`], with the bytes Tera's own String has.
    #[test]
    fn a_file_is_rendered_into_a_buffer_sized_by_its_templates_last_output() {
        let text = "{% for i in items %}<li>{{ i }}</li>{% endfor %}";
        let theme = Theme {
            templates: BTreeMap::from([("t.html".to_string(), SourceFile::new("t.html", text))]),
            statics: BTreeMap::new(),
            max_rendered_bytes: usize::MAX,
        };
        let renderer = Renderer::new(&theme, Values::default(), 0).unwrap();
        let render = |n: usize| {
            let mut context = Context::new();
            context.insert("items", &vec!["<x>"; n]);
            let file = renderer.render_file("t.html", &context, None).unwrap();
            let string = renderer.render("t.html", &context).unwrap();
            assert_eq!(file, string.into_bytes());
            file
        };
        let first = render(1000);
        assert!(render(1).capacity() >= first.len());
        let huge = render(100_000);
        assert!(huge.len() > MAX_SIZE_HINT);
        assert!(render(1).capacity() <= MAX_SIZE_HINT);
    }

    /// What each template of `templates` may read, having checked that it renders the
    /// same with only those values as with all of them.
    fn reads_of(templates: &[(&str, &str)]) -> HashMap<String, Option<HashSet<String>>> {
        let sources: BTreeMap<String, Arc<SourceFile>> = templates
            .iter()
            .map(|(name, text)| (name.to_string(), SourceFile::new(*name, *text)))
            .collect();
        let mut tera = Tera::new();
        tera.add_raw_templates(templates.iter().copied()).unwrap();
        let reads = template_reads(&tera, &sources);
        let values = [
            ("page", 2),
            ("nav", 3),
            ("prev", 4),
            ("menu", 5),
            ("unread", 6),
        ];
        for (name, _) in templates.iter().filter(|(n, _)| *n != "components.html") {
            let mut all = Context::new();
            let mut read = Context::new();
            for (key, v) in values {
                all.insert(key, &v);
                if reads[*name]
                    .as_ref()
                    .is_none_or(|names| names.contains(key))
                {
                    read.insert(key, &v);
                }
            }
            let expected = tera.render(name, &all).unwrap();
            assert_eq!(tera.render(name, &read).unwrap(), expected, "{name}");
        }
        reads
    }

    /// A template gets every value it reads, however it reads it: by name, through the
    /// template it extends or includes, after a `set` in a branch not taken, or as a
    /// component's implicit argument. One that names none of them reads none.
    #[test]
    fn a_template_gets_every_value_it_reads() {
        let reads = reads_of(&[
            ("base.html", "<p>{% block main %}{% endblock main %}</p>"),
            ("plain.html", "{{ page }}"),
            ("named.html", "{{ page }} {{ nav }}"),
            (
                "child.html",
                "{% extends \"base.html\" %}{% block main %}{{ nav }}{% endblock main %}",
            ),
            (
                "parent.html",
                "{{ nav }}{% block main %}{% endblock main %}",
            ),
            (
                "extends.html",
                "{% extends \"parent.html\" %}{% block main %}{{ page }}{% endblock main %}",
            ),
            ("part.html", "[{{ nav }}]"),
            ("includes.html", "{% include \"part.html\" %}"),
            (
                "branch.html",
                "{% if page == 1 %}{% set prev = 0 %}{% endif %}{{ prev }}",
            ),
            (
                "components.html",
                "{% component shows(@menu) %}{{ menu }}{% endcomponent shows %}",
            ),
            ("implicit.html", "{{ <shows/> }}"),
        ]);
        let plain = reads["plain.html"].as_ref().unwrap();
        assert!(
            plain.contains("page") && !plain.contains("unread"),
            "{plain:?}"
        );
    }

    /// A theme that dumps the whole context anywhere gets every value everywhere.
    #[test]
    fn a_theme_that_dumps_the_context_reads_everything() {
        let reads = reads_of(&[
            ("plain.html", "{{ page }}"),
            ("dump.html", "{{ __tera_context }}"),
        ]);
        assert!(reads.values().all(Option::is_none), "{reads:?}");
    }
}
