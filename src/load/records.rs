//! The two registers: security exceptions and security incidents, one YAML file a record,
//! and the directory of people they name.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use rayon::prelude::*;
use serde::de::DeserializeOwned;

use super::todo;
use crate::diagnostics::{Diagnostic, SourceFile, closest};
use crate::load::config::Config;
use crate::load::content::{DRAFT_HINT, PageNames};
use crate::load::reuse::{self, Kept, Stamp};
use crate::load::source::{self, Hidden, Source, Walk, Walked};
use crate::load::yaml::{self, Seg};
use crate::model::exception::Exception;
use crate::model::incident::Incident;
use crate::model::links::Named;
use crate::model::person::{self, People, Person, PersonEntry};
use crate::model::related::Related;

/// A record together with the file it came from, so later stages can point into it.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub record: T,
    pub source: Arc<SourceFile>,
}

impl<T> Loaded<T> {
    /// Where the value at `path` is written; where it is not (a level data/people.yaml
    /// gives an approver), where the nearest value that holds it is.
    pub fn span(&self, path: &[Seg]) -> std::ops::Range<usize> {
        self.nearest(path).0
    }

    /// [`Loaded::span`], and whether the file writes the value itself.
    pub fn nearest(&self, path: &[Seg]) -> (std::ops::Range<usize>, bool) {
        (1..=path.len())
            .rev()
            .find_map(|n| {
                yaml::locate(&self.source, &path[..n]).map(|p| (p.value, n == path.len()))
            })
            .unwrap_or((0..0, false))
    }
}

/// A loaded record, shared: `serve` keeps each record from one build to the next, and a
/// rebuild takes it without copying it; a stage that changes a record copies it first
/// ([`Arc::make_mut`]).
pub type Shared<T> = Arc<Loaded<T>>;

#[derive(Debug, Default, Clone)]
pub struct Records {
    /// In id order.
    pub exceptions: Vec<Shared<Exception>>,
    /// In id order.
    pub incidents: Vec<Shared<Incident>>,
    pub people: People,
    pub unloaded: Unloaded,
    /// The Markdown of the record files that did not load, in file order.
    pub stand_ins: Vec<StandIn>,
}

/// A Markdown field of a record file that did not load, read from its YAML alone: its
/// broken links are reported in the same run as the error that kept the record out, as a
/// page's are when its front matter has one.
#[derive(Debug, Clone)]
pub struct StandIn {
    /// The record, by its file's name.
    pub subject: Named,
    /// Its register's folder below data/.
    pub folder: &'static str,
    pub source: Arc<SourceFile>,
    pub path: &'static [Seg<'static>],
    pub text: String,
}

/// A record of data/, named by its id, which its file's name must be.
pub trait Record {
    fn id(&self) -> &String;
    /// What this kind of record is called, and its folder below data/.
    const KIND: (&str, &str);
    /// The other kind of record.
    type Other: Record + DeserializeOwned;
    /// Where its Markdown fields are, in the order [`Record::markdown`] gives them.
    const MARKDOWN: [&[Seg<'static>]; 4];
    /// Its Markdown fields, each given or not.
    fn markdown(&self) -> [Option<&String>; 4];
    /// [`Record::markdown`], to change.
    fn markdown_mut(&mut self) -> [Option<&mut String>; 4];
    /// The record of this kind with id `id`, as a link names it.
    fn named(id: String) -> Named;
}

impl Record for Exception {
    fn id(&self) -> &String {
        &self.id
    }
    const KIND: (&str, &str) = ("an exception", "exceptions");
    type Other = Incident;
    const MARKDOWN: [&[Seg<'static>]; 4] = [
        &[Seg::Key("summary")],
        &[Seg::Key("justification")],
        &[Seg::Key("description")],
        &[Seg::Key("remediation_plan")],
    ];
    fn markdown(&self) -> [Option<&String>; 4] {
        [
            Some(&self.summary),
            Some(&self.justification),
            self.description.as_ref(),
            self.remediation_plan.as_ref(),
        ]
    }
    fn markdown_mut(&mut self) -> [Option<&mut String>; 4] {
        [
            Some(&mut self.summary),
            Some(&mut self.justification),
            self.description.as_mut(),
            self.remediation_plan.as_mut(),
        ]
    }
    fn named(id: String) -> Named {
        Named::Exception(id)
    }
}

impl Record for Incident {
    fn id(&self) -> &String {
        &self.id
    }
    const KIND: (&str, &str) = ("an incident", "incidents");
    type Other = Exception;
    const MARKDOWN: [&[Seg<'static>]; 4] = [
        &[Seg::Key("summary")],
        &[Seg::Key("description")],
        &[Seg::Key("impact"), Seg::Key("notes")],
        &[Seg::Key("postmortem"), Seg::Key("notes")],
    ];
    fn markdown(&self) -> [Option<&String>; 4] {
        [
            Some(&self.summary),
            self.description.as_ref(),
            self.impact.as_ref().and_then(|x| x.notes.as_ref()),
            self.postmortem.as_ref().and_then(|p| p.notes.as_ref()),
        ]
    }
    fn markdown_mut(&mut self) -> [Option<&mut String>; 4] {
        [
            Some(&mut self.summary),
            self.description.as_mut(),
            self.impact.as_mut().and_then(|x| x.notes.as_mut()),
            self.postmortem.as_mut().and_then(|p| p.notes.as_mut()),
        ]
    }
    fn named(id: String) -> Named {
        Named::Incident(id)
    }
}

/// One error for a record of the other kind in this kind's folder, where each of its fields
/// would be told as unknown and each of this kind's as missing: `None` unless it writes
/// two fields only the other kind has and none only this one has.
fn misfiled<T: Record + DeserializeOwned>(file: &Arc<SourceFile>) -> Option<Diagnostic> {
    let (own, other) = (yaml::fields_of::<T>(), yaml::fields_of::<T::Other>());
    let keys = yaml::keys(file, &[]);
    let only = |these: &[&str], not: &[&str]| {
        (keys.iter())
            .filter(|k| these.contains(&k.as_str()) && !not.contains(&k.as_str()))
            .count()
    };
    if only(own, other) > 0 || only(other, own) < 2 {
        return None;
    }
    let (name, folder) = <T::Other as Record>::KIND;
    let line = file.text.find('\n').unwrap_or(file.text.len());
    let diag = Diagnostic::error(format!(
        "{} is {name} record, in the folder of {}",
        file.name,
        T::KIND.1
    ));
    Some(diag.at(file, 0..line).with_hint(format!(
        "move it to data/{folder}/, where {name} record's fields are read"
    )))
}

/// The ids of record files that are there but did not load, or loaded with another id
/// than their name's. Each file's own error is the report; what names the record by its
/// file's name (a `related` entry, a link) is not reported again as naming nothing.
#[derive(Debug, Default, Clone, PartialEq, Hash)]
pub struct Unloaded {
    pub exceptions: BTreeSet<String>,
    pub incidents: BTreeSet<String>,
}

impl Unloaded {
    /// Whether a record file named `id` did not load, in either folder: what names the
    /// record of either kind by it is not told again. An exception filed among the
    /// incidents (or the other way) is a file of the other folder, and reported there.
    pub fn holds(&self, id: &str) -> bool {
        self.exceptions.contains(id) || self.incidents.contains(id)
    }
}

/// Collects the errors of one record file, each at the field it is about.
pub struct Check<'a> {
    source: &'a Arc<SourceFile>,
    pub diags: Vec<Diagnostic>,
    /// The paths of the record's TODO markers (`approvals[0].date`).
    markers: BTreeSet<String>,
}

impl<'a> Check<'a> {
    pub fn new(source: &'a Arc<SourceFile>) -> Self {
        Check {
            source,
            diags: Vec::new(),
            markers: BTreeSet::new(),
        }
    }

    /// Whether the value at `path` is a TODO marker: a field a rule asks for is then
    /// reported by the marker's finding, not as missing.
    pub fn holds_todo(&self, path: &str) -> bool {
        self.markers.contains(path)
    }

    pub fn error(&mut self, keys: &[&str], message: String, hint: Option<String>) {
        let path: Vec<Seg> = keys.iter().map(|k| Seg::Key(k)).collect();
        self.error_at(&path, message, hint);
    }

    pub fn error_at(&mut self, path: &[Seg], message: String, hint: Option<String>) {
        let span = yaml::locate(self.source, path).map_or(0..0, |p| p.value);
        let diag = Diagnostic::error(message).at(self.source, span);
        self.diags.push(match hint {
            Some(h) => diag.with_hint(h),
            None => diag,
        });
    }

    /// Refuses a line break inside the text at `key`, which is one line: a record's title is
    /// a row of a register, a feed entry's title and a mail's subject.
    pub fn one_line(&mut self, key: &str, text: &str) {
        if breaks_line(text) {
            self.error(
                &[key],
                format!("`{key}` is one line, and this one holds a line break"),
                Some(
                    "write it on one line (a folded `>` value is one); the detail goes in \
                     `summary`"
                        .into(),
                ),
            );
        }
    }

    /// Refuses a line break in the name of the person at `path`: a mail's greeting, its
    /// `To:` and a row of the tracker CSV each hold the name on one line.
    pub fn one_line_name(&mut self, path: &[Seg], name: &str) {
        if breaks_line(name) {
            let named = [path, &[Seg::Key("name")]].concat();
            let at = if yaml::locate(self.source, &named).is_some() {
                &named[..]
            } else {
                path
            };
            self.error_at(
                at,
                format!(
                    "a person's name is one line, and `{}` holds a line break",
                    name.trim()
                ),
                Some("write it on one line (a folded `>` value is one)".into()),
            );
        }
    }

    /// Warns when the `email` of the person at `path` is not an address: the page shows it,
    /// but mail cannot reach it (`report` and `notify` give the person's items to
    /// `notify.fallback`) and the exports that name an address leave it out.
    pub fn email(&mut self, path: &[Seg], email: Option<&str>) {
        let Some(email) = email.filter(|e| person::address(e).is_none()) else {
            return;
        };
        let diag = Diagnostic::warning(format!("`{}` is not an email address", email.trim()))
            .with_hint(
                "write it as name@example.com: mail cannot reach it (the weekly report gives \
                 the items to notify.fallback), and the feeds and the OSCAL export leave it out",
            );
        // `{name, email}` has a field of its own; "Name <email>" is one value.
        let field = [path, &[Seg::Key("email")]].concat();
        let place = yaml::locate(self.source, &field).or_else(|| yaml::locate(self.source, path));
        self.diags
            .push(diag.at(self.source, place.map_or(0..0, |p| p.value)));
    }

    /// [`Check::email`] for a person a record names, and a warning where what it writes
    /// opens an email with `<` and never closes it: it is read as a name alone, and mail
    /// would not reach them.
    pub fn person(&mut self, path: &[Seg], person: &Person) {
        self.one_line_name(path, &person.name);
        if person.email.is_none() && person.name.contains('<') {
            let place = yaml::locate(self.source, path);
            self.diags.push(
                Diagnostic::warning(format!(
                    "`{}` opens an email with `<` and does not close it: it is read as a name \
                     with no email",
                    person.name
                ))
                .with_hint("write it as `Name <name@example.com>`")
                .at(self.source, place.map_or(0..0, |p| p.value)),
            );
        }
        self.email(path, person.email.as_deref());
    }

    /// Reports the present `fields` that run backwards, in order as listed. See
    /// [`Check::in_order_by`].
    pub fn in_order<K: PartialOrd>(
        &mut self,
        fields: &[(&str, Option<(K, String)>)],
        hint: Option<String>,
    ) {
        let pairs: Vec<(usize, usize)> = (0..fields.len())
            .flat_map(|i| (i + 1..fields.len()).map(move |j| (i, j)))
            .collect();
        self.in_order_by(fields, &pairs, hint);
    }

    /// Reports the present `fields` that run backwards, where each of `pairs` (by index
    /// into `fields`) names one that may not come after the other: the fewest fields
    /// whose dates, left out, leave the rest in order, each once and at its own place. A
    /// slip in one date is one error where it is (`created` a century out is after the
    /// rest), not one at each date it is compared with. Of as few, the later fields.
    pub fn in_order_by<K: PartialOrd>(
        &mut self,
        fields: &[(&str, Option<(K, String)>)],
        pairs: &[(usize, usize)],
        hint: Option<String>,
    ) {
        let key = |i: usize| fields[i].1.as_ref().map(|(k, _)| k);
        let backwards = |(a, b): (usize, usize)| match (key(a), key(b)) {
            (Some(a), Some(b)) => b < a,
            _ => false,
        };
        let wrong: Vec<(usize, usize)> = pairs.iter().copied().filter(|&p| backwards(p)).collect();
        if wrong.is_empty() || fields.len() > 16 {
            return;
        }
        let all = (1u32 << fields.len()) - 1;
        let holds =
            |kept: u32| (wrong.iter()).all(|&(a, b)| kept & (1 << a) == 0 || kept & (1 << b) == 0);
        let Some(kept) = (0..=all)
            .filter(|&kept| holds(kept))
            .max_by_key(|&kept| (kept.count_ones(), (!kept & all).trailing_zeros()))
        else {
            return;
        };
        for i in (0..fields.len()).filter(|&i| kept & (1 << i) == 0) {
            let (name, Some((_, text))) = &fields[i] else {
                continue;
            };
            let partner = (wrong.iter())
                .filter_map(|&(a, b)| match (a == i, b == i) {
                    (false, true) if kept & (1 << a) != 0 => Some((a, "before")),
                    (true, false) if kept & (1 << b) != 0 => Some((b, "after")),
                    _ => None,
                })
                .min_by_key(|(j, _)| j.abs_diff(i));
            let Some((j, how)) = partner else { continue };
            let (other, Some((_, other_text))) = &fields[j] else {
                continue;
            };
            self.error(
                &[name],
                format!("`{name}` ({text}) is {how} `{other}` ({other_text}); dates must not run backwards"),
                hint.clone(),
            );
        }
    }
}

/// Record files as last loaded, with what they were loaded from: `serve` keeps them
/// between builds, so that a change reads and parses again only the records it touched.
#[derive(Default)]
pub struct RecordCache {
    exceptions: Kept<Arc<Parsed<Exception>>>,
    incidents: Kept<Arc<Parsed<Incident>>>,
    /// What data/ held at the cached load.
    listing: Option<Walk>,
    assembled: Option<Assembled>,
}

/// The register [`assemble`] made at the cached load, with what it was made from: the
/// records as loaded (the very ones, which the cache of record files hands out again for
/// an unchanged file), data/people.yaml as read, and the content pages' paths. A page
/// edit changes none of them, and a rebuild on a large register then takes the checks
/// between its tens of thousands of records as they were.
struct Assembled {
    records: SameRecords,
    unloaded: Unloaded,
    people: PeopleKey,
    pages: PageNames,
    made: (Records, Vec<Diagnostic>),
}

impl Assembled {
    /// What `people` holds, to tell whether it changed; `None`, unlike any other, when
    /// it cannot be told.
    fn people(people: &People) -> PeopleKey {
        let entries = serde_json::to_vec(people.entries()).ok()?;
        Some((entries, people.failed))
    }

    fn made_from(
        &self,
        exceptions: &[Shared<Exception>],
        incidents: &[Shared<Incident>],
        unloaded: &Unloaded,
        people: &PeopleKey,
        pages: &PageNames,
    ) -> bool {
        self.records.are(exceptions, incidents)
            && self.unloaded == *unloaded
            && self.people.is_some()
            && self.people == *people
            && self.pages == *pages
    }
}

/// data/people.yaml as read: its entries as JSON, and whether it failed to load.
type PeopleKey = Option<(Vec<u8>, bool)>;

/// The records of one load, each the very one loaded, held so that none is freed and
/// another loaded in its place: what a cache kept while a rebuild loads the same records
/// (as a page edit leaves them) compares them with.
#[derive(Default)]
pub struct SameRecords {
    exceptions: Vec<Shared<Exception>>,
    incidents: Vec<Shared<Incident>>,
}

impl SameRecords {
    pub fn of(exceptions: &[Shared<Exception>], incidents: &[Shared<Incident>]) -> Self {
        SameRecords {
            exceptions: exceptions.to_vec(),
            incidents: incidents.to_vec(),
        }
    }

    /// Whether `exceptions` and `incidents` are these records, each the very same one.
    pub fn are(&self, exceptions: &[Shared<Exception>], incidents: &[Shared<Incident>]) -> bool {
        fn same<T>(a: &[Shared<T>], b: &[Shared<T>]) -> bool {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| Arc::ptr_eq(a, b))
        }
        same(&self.exceptions, exceptions) && same(&self.incidents, incidents)
    }

    /// [`SameRecords::are`] for a register.
    pub fn hold(&self, records: &Records) -> bool {
        self.are(&records.exceptions, &records.incidents)
    }

    /// Each record of `records` that is not the very one held in its place, with that one,
    /// when every record kept its place and its id: an edit that renamed, added or removed
    /// no record.
    pub fn replaced<'a>(
        &'a self,
        records: &'a Records,
    ) -> Option<(Replaced<'a, Exception>, Replaced<'a, Incident>)> {
        fn replaced<'a, T>(
            held: &'a [Shared<T>],
            now: &'a [Shared<T>],
            id: fn(&T) -> &str,
        ) -> Option<Replaced<'a, T>> {
            if held.len() != now.len() {
                return None;
            }
            let pairs = held.iter().zip(now).filter(|(a, b)| !Arc::ptr_eq(a, b));
            pairs
                .map(|(a, b)| (id(&a.record) == id(&b.record)).then_some((a, b)))
                .collect()
        }
        Some((
            replaced(&self.exceptions, &records.exceptions, |e| &e.id)?,
            replaced(&self.incidents, &records.incidents, |i| &i.id)?,
        ))
    }
}

/// Records edited in place: each as it was held, and as it is now.
pub type Replaced<'a, T> = Vec<(&'a Shared<T>, &'a Shared<T>)>;

impl Records {
    /// These records, to tell a later load's apart: see [`SameRecords`].
    pub fn same_records(&self) -> SameRecords {
        SameRecords::of(&self.exceptions, &self.incidents)
    }

    /// Every record's file, the exceptions' first, in the register's order.
    pub fn sources(&self) -> impl Iterator<Item = &Arc<SourceFile>> {
        let exceptions = self.exceptions.iter().map(|e| &e.source);
        exceptions.chain(self.incidents.iter().map(|i| &i.source))
    }
}

impl RecordCache {
    /// [`assemble`], or what it made at the cached load from the same records, people and
    /// pages.
    fn assemble(
        &mut self,
        exceptions: Vec<Shared<Exception>>,
        incidents: Vec<Shared<Incident>>,
        unloaded: Unloaded,
        people: People,
        pages: &PageNames,
    ) -> (Records, Vec<Diagnostic>) {
        let people_key = Assembled::people(&people);
        if let Some(kept) = &self.assembled
            && kept.made_from(&exceptions, &incidents, &unloaded, &people_key, pages)
        {
            return kept.made.clone();
        }
        let records = SameRecords::of(&exceptions, &incidents);
        let made = assemble(exceptions, incidents, unloaded.clone(), people, pages);
        self.assembled = Some(Assembled {
            records,
            unloaded,
            people: people_key,
            pages: pages.clone(),
            made: made.clone(),
        });
        made
    }
}

/// A record file as parsed, with the checks of a single record, and its Markdown when it
/// did not load.
type Parsed<T> = (Option<Shared<T>>, Vec<Diagnostic>, Vec<StandIn>);

/// Loads data/ from `source` and checks every record against the rules and against each
/// other. Every record is checked, so one bad record never hides another. With a `cache`,
/// a record file on disk unchanged since the last load is not read again, and the cache
/// is left holding this load.
pub fn load(
    source: &dyn Source,
    config: &Config,
    pages: &PageNames,
    mut cache: Option<&mut RecordCache>,
    changes: Option<&HashSet<PathBuf>>,
) -> (Records, Vec<Diagnostic>) {
    let max_bytes = config.limits.max_file_bytes();
    let dir = source.path("data");
    // When the watcher saw only known files change, the folder is as it was.
    let listed = cache
        .as_mut()
        .and_then(|c| c.listing.take())
        .filter(|walk| {
            let linked = walk.files.iter().any(|f| f.linked());
            let listed = walk.files.iter().map(|f| f.rel.as_str());
            let (unlisted, reported) = (std::iter::empty(), !walk.diags.is_empty());
            reuse::listing_holds(dir.as_deref(), changes, linked, listed, unlisted, reported)
        });
    let mut found = listed.unwrap_or_else(|| source.walk("data", Hidden::Reported));
    // The walk's reports are kept with a listing serve may take again.
    let mut diags = match cache {
        Some(_) => found.diags.clone(),
        None => std::mem::take(&mut found.diags),
    };
    let mut people = People::default();
    let (mut exceptions, mut incidents) = (Vec::new(), Vec::new());
    let mut misplaced = Vec::new();
    for file in &found.files {
        match data_file(&file.rel) {
            Ok(DataFile::People) => {
                people = load_people(source, max_bytes, &mut diags);
            }
            Ok(DataFile::Exception) => exceptions.push(file),
            Ok(DataFile::Incident) => incidents.push(file),
            Err(d) => {
                diags.push(d);
                misplaced.push(&file.rel);
            }
        }
    }
    // A file there that is not read (a link out of the handbook, a special file, a record
    // misnamed or in a subfolder) has its error already: what the file would have said is
    // unknown, not absent.
    let mut unloaded = Unloaded::default();
    let refused = (found.refused.iter()).map(|rel| (file_id(rel), data_file(rel).ok()));
    // `EXC-1.yml` and `EXC-1.YAML` name the record EXC-1.
    let misplaced = (misplaced.into_iter()).map(|rel| {
        (
            file_id(rel).split('.').next().unwrap_or_default(),
            meant_file(rel),
        )
    });
    for (id, meant) in refused.chain(misplaced) {
        match meant {
            Some(DataFile::People) => people = People::failed(),
            Some(DataFile::Exception) => _ = unloaded.exceptions.insert(id.into()),
            Some(DataFile::Incident) => _ = unloaded.incidents.insert(id.into()),
            None => {}
        }
    }
    let mut stand_ins = Vec::new();
    let started = SystemTime::now();
    let reading = |options| Reading {
        source,
        max_bytes,
        changes,
        dir: dir.as_deref(),
        options,
        started,
    };
    let exceptions = reading(max_bytes).load(
        &exceptions,
        cache.as_mut().map(|c| &mut c.exceptions),
        &mut diags,
        &mut unloaded.exceptions,
        &mut stand_ins,
        parse_exception,
    );
    // An incident's checks read the time zone.
    let mut options = DefaultHasher::new();
    (max_bytes, config.timezone.0.local_minus_utc()).hash(&mut options);
    let incidents = reading(options.finish()).load(
        &incidents,
        cache.as_mut().map(|c| &mut c.incidents),
        &mut diags,
        &mut unloaded.incidents,
        &mut stand_ins,
        |file| parse_incident(file, config),
    );
    let (mut records, more) = match cache {
        Some(cache) => {
            cache.listing = Some(found);
            cache.assemble(exceptions, incidents, unloaded, people, pages)
        }
        None => assemble(exceptions, incidents, unloaded, people, pages),
    };
    records.stand_ins = stand_ins;
    diags.extend(more);
    (records, diags)
}

/// The exceptions of `source` alone, each with the checks of a single record, and the ids
/// (by file name) of those that did not load: the records of a revision (`--baseline`),
/// which are compared with the handbook's, not checked against each other.
pub fn load_exceptions(
    source: &dyn Source,
    max_bytes: u64,
) -> (Vec<Loaded<Exception>>, BTreeSet<String>) {
    let (files, mut diags) = exception_files(source);
    let reading = Reading {
        source,
        max_bytes,
        changes: None,
        dir: None,
        options: max_bytes,
        started: SystemTime::now(),
    };
    let files: Vec<&Walked> = files.iter().collect();
    let mut unloaded = BTreeSet::new();
    let mut stand_ins = Vec::new();
    let exceptions = reading.load(
        &files,
        None,
        &mut diags,
        &mut unloaded,
        &mut stand_ins,
        parse_exception,
    );
    (
        exceptions.into_iter().map(Arc::unwrap_or_clone).collect(),
        unloaded,
    )
}

/// The exception files of `source`, by their path below data/, as [`load`] finds them
/// (hidden ones left out), and the walk's diagnostics.
pub fn exception_files(source: &dyn Source) -> (Vec<Walked>, Vec<Diagnostic>) {
    let found = source.walk("data", Hidden::Reported);
    let files = found
        .files
        .into_iter()
        .filter(|f| matches!(data_file(&f.rel), Ok(DataFile::Exception)))
        .collect();
    (files, found.diags)
}

/// Whether `text` breaks a line: Unicode's line and paragraph separators do as `\n` does,
/// in a browser's text and in an iCalendar reader.
fn breaks_line(text: &str) -> bool {
    text.trim_end()
        .contains(['\n', '\r', '\u{2028}', '\u{2029}'])
}

/// What a file of data/ is.
enum DataFile {
    People,
    Exception,
    Incident,
}

/// What the file at `rel` below data/ is, or the error that says why it is not read: no
/// file there is left out without a word, so a record put in the wrong place never
/// vanishes from the register.
fn data_file(rel: &str) -> Result<DataFile, Diagnostic> {
    let not_read = |why: &str, hint: String| {
        Diagnostic::error(format!("data/{rel} is not read: {why}")).with_hint(hint)
    };
    let (folder, name) = rel.split_once('/').unwrap_or(("", rel));
    let kind = match folder {
        "" if name == "people.yaml" => return Ok(DataFile::People),
        "exceptions" => DataFile::Exception,
        "incidents" => DataFile::Incident,
        "" if matches!(meant_file(rel), Some(DataFile::People)) => {
            return Err(not_read(
                "the directory of people is data/people.yaml",
                "rename it to `people.yaml`".into(),
            ));
        }
        _ => {
            return Err(not_read(
                "data/ holds only people.yaml, exceptions/ and incidents/",
                "move the file into data/exceptions/ or data/incidents/ if it is a record, or out of data/".into(),
            ));
        }
    };
    if name.contains('/') {
        return Err(not_read(
            &format!("records are read from data/{folder}/ itself, not from its subfolders"),
            format!("move the file to data/{folder}/"),
        ));
    }
    match name.rsplit_once('.') {
        Some((_, "yaml")) => Ok(kind),
        Some((stem, _)) => Err(not_read(
            "a record's file name ends in .yaml",
            format!("rename it to `{stem}.yaml` if it is a record, or move it out of data/"),
        )),
        None => Err(not_read(
            "a record's file name ends in .yaml",
            format!("rename it to `{name}.yaml` if it is a record, or move it out of data/"),
        )),
    }
}

/// What the file at `rel` below data/, which [`data_file`] does not read, was meant to be:
/// `people.yml`, or a record by its folder (`exceptions/EXC-1.yml`, `incidents/old/INC-1.yaml`).
fn meant_file(rel: &str) -> Option<DataFile> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if name.starts_with('.') {
        return None;
    }
    match rel
        .split_once('/')
        .map(|(folder, _)| folder.to_ascii_lowercase())
    {
        None => name
            .to_ascii_lowercase()
            .starts_with("people.")
            .then_some(DataFile::People),
        Some(folder) if folder.starts_with("exception") => Some(DataFile::Exception),
        Some(folder) if folder.starts_with("incident") => Some(DataFile::Incident),
        Some(_) => None,
    }
}

/// One exception from its file: loaded, with the checks of a single record. `None` when
/// it does not load.
pub fn parse_exception(file: Arc<SourceFile>) -> (Option<Loaded<Exception>>, Vec<Diagnostic>) {
    parse_record(file, |e: &Exception, c| e.check(c))
}

/// One incident from its file, as [`parse_exception`] does for an exception.
pub fn parse_incident(
    file: Arc<SourceFile>,
    config: &Config,
) -> (Option<Loaded<Incident>>, Vec<Diagnostic>) {
    parse_record(file, |i: &Incident, c| i.check(c, config.timezone))
}

/// The register from records loaded one by one: sorted by id, with the checks between
/// records (duplicate ids, approvers filled in from people, cross links to records and to
/// the content `pages`).
pub fn assemble(
    exceptions: Vec<Shared<Exception>>,
    incidents: Vec<Shared<Incident>>,
    unloaded: Unloaded,
    people: People,
    pages: &PageNames,
) -> (Records, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut exceptions = sort_unique(exceptions, &mut diags);
    let incidents = sort_unique(incidents, &mut diags);
    // Each record is filled in and checked on its own, side by side, and its reports kept in
    // the records' order: `serve` assembles the register again at each record edit.
    let (unknown, filled): (Vec<usize>, Vec<Vec<Diagnostic>>) = exceptions
        .par_iter_mut()
        .map(|loaded| {
            let mut diags = Vec::new();
            (fill_approvers(loaded, &people, &mut diags), diags)
        })
        .unzip();
    diags.extend(filled.into_iter().flatten());
    let unknown: usize = unknown.into_iter().sum();
    if unknown > 0 {
        diags.push(Diagnostic::warning(format!(
            "{unknown} approval(s) take their side or level from data/people.yaml, which did \
             not load: they are checked, with their exceptions' approval policy, once it loads"
        )));
    }
    let exception_ids: BTreeSet<&str> = exceptions.iter().map(|e| e.record.id.as_str()).collect();
    let incident_ids: BTreeSet<&str> = incidents.iter().map(|i| i.record.id.as_str()).collect();
    let refs = Refs {
        exceptions: &exception_ids,
        incidents: &incident_ids,
        pages,
        unloaded: &unloaded,
    };
    let exception_refs = exceptions.par_iter().map(|e| {
        let mut diags = Vec::new();
        refs.check(&e.source, &e.record.related, &mut diags);
        diags
    });
    let incident_refs = incidents.par_iter().map(|i| {
        let mut diags = Vec::new();
        refs.check(&i.source, &i.record.related, &mut diags);
        if let Some(page) = i.record.postmortem.as_ref().and_then(|p| p.page.as_deref()) {
            let path = [Seg::Key("postmortem"), Seg::Key("page")];
            refs.page(&i.source, &path, page, &mut diags);
        }
        diags
    });
    let checked: Vec<Vec<Diagnostic>> = exception_refs.chain(incident_refs).collect();
    diags.extend(checked.into_iter().flatten());
    let records = Records {
        exceptions,
        incidents,
        people,
        unloaded,
        stand_ins: Vec::new(),
    };
    (records, diags)
}

/// Reads data/people.yaml, when there is one, refusing it over `max_bytes`.
pub fn load_people(source: &dyn Source, max_bytes: u64, diags: &mut Vec<Diagnostic>) -> People {
    let read = source::text(source, "data/people.yaml", max_bytes).map_err(|d| vec![d]);
    match read.and_then(|file| file.map(|f| parse_people(&f)).transpose()) {
        Ok(Some((people, warnings))) => {
            diags.extend(warnings);
            people
        }
        Ok(None) => People::default(),
        Err(errors) => {
            diags.extend(errors);
            People::failed()
        }
    }
}

/// The directory of people from the text of data/people.yaml, with its reports: a warning
/// for each email that is not an address and each manager that looks like a misspelt
/// name, an error for each email given twice. When it does not load, every error in it.
pub fn parse_people(file: &Arc<SourceFile>) -> Result<(People, Vec<Diagnostic>), Vec<Diagnostic>> {
    let entries =
        yaml::parse_all::<Vec<PersonEntry>>(file, 0..file.text.len()).map_err(|diags| {
            diags
                .into_iter()
                .map(|d| listed_under_a_key(file, named_entry(file, d)))
                .collect::<Vec<_>>()
        })?;
    let people = People::new(entries);
    let mut check = Check::new(file);
    for (i, entry) in people.entries().iter().enumerate() {
        check.one_line_name(&[Seg::Index(i)], &entry.name);
        check.email(&[Seg::Index(i)], entry.email.as_deref());
    }
    for (i, first) in people.repeated() {
        let at = yaml::locate(file, &[Seg::Index(first)]).map_or(0, |p| p.value.start);
        let email = people.entries().get(i).and_then(|e| e.email.as_deref());
        let email = email.unwrap_or_default();
        check.error_at(
            &[Seg::Index(i), Seg::Key("email")],
            format!("`{}` is given to two people", email.trim()),
            Some(format!(
                "only the first entry, on line {}, is read: merge the two",
                file.line_col(at).0
            )),
        );
    }
    let mut warnings = check.diags;
    warnings.extend(misspelt_managers(file, &people));
    warnings.extend(source::unseen(file, false));
    warnings.extend(yaml::comments_for_values(file, 0..file.text.len()));
    Ok((people, warnings))
}

/// The report that data/people.yaml is a mapping, when its one key holds the list (`people:`
/// above it, as Jekyll's `_data` files often write it): the file is the list itself.
fn listed_under_a_key(file: &SourceFile, diag: Diagnostic) -> Diagnostic {
    let keys = yaml::keys(file, &[]);
    match &keys[..] {
        [key] if diag.message == "expected a list, found a mapping" => diag.with_hint(format!(
            "the file is the list of people itself: remove `{key}:` and write each `- name:` \
             at the start of its line"
        )),
        _ => diag,
    }
}

/// A report about the entry `[i]` of data/people.yaml, which names the person too:
/// `[0].level (Grace Whitfield): unknown value \`vpp\``.
fn named_entry(file: &SourceFile, mut diag: Diagnostic) -> Diagnostic {
    let Some((path, rest)) = diag.message.split_once(": ") else {
        return diag;
    };
    let index = (path.strip_prefix('['))
        .and_then(|p| p.split_once(']'))
        .and_then(|(i, _)| i.parse::<usize>().ok());
    let name = index
        .and_then(|i| yaml::text_at(file, &[Seg::Index(i), Seg::Key("name")]))
        .filter(|n| !n.trim().is_empty());
    if let Some(name) = name {
        diag.message = format!("{path} ({}): {rest}", name.trim());
    }
    diag
}

/// How many managers not in data/people.yaml are compared with its names, the first
/// ones: each is compared with every name, which on 100,000 people takes 8 ms.
const MANAGERS_COMPARED: usize = 10;

/// A warning for each `manager` that names nobody in the file but is close to a name in
/// it: a manager may be a board or an office, but a misspelt name would end, without a
/// word, the chain of managers a departed owner's items go up.
fn misspelt_managers(file: &Arc<SourceFile>, people: &People) -> Vec<Diagnostic> {
    let names = || people.entries().iter().map(|e| e.name.as_str());
    let mut diags: Vec<Diagnostic> = Vec::new();
    // Each manager not in the file, with its report if it is close to a name.
    let mut unknown: HashMap<&str, Option<usize>> = HashMap::new();
    for (i, entry) in people.entries().iter().enumerate() {
        let Some(manager) = entry.manager.as_deref() else {
            continue;
        };
        // As the managers of a departed owner are looked up.
        let named = Person::parse(manager);
        if named.is_unassigned() || people.find(&named).is_some() {
            continue;
        }
        let path = [Seg::Index(i), Seg::Key("manager")];
        let span = || yaml::locate(file, &path).map_or(0..0, |p| p.value);
        match unknown.get(manager) {
            Some(Some(report)) => diags[*report].repeated(span),
            Some(None) => {}
            None => {
                let best = (unknown.len() < MANAGERS_COMPARED)
                    .then(|| closest(&named.name, names()))
                    .flatten();
                let report = best.map(|best| {
                    diags.push(
                        Diagnostic::warning(format!(
                            "manager `{manager}` is not in data/people.yaml"
                        ))
                        .at(file, span())
                        .with_hint(format!("did you mean `{best}`?")),
                    );
                    diags.len() - 1
                });
                unknown.insert(manager, report);
            }
        }
    }
    diags
}

/// How one load reads record files: from where, and what it may take from the last.
struct Reading<'a> {
    source: &'a dyn Source,
    max_bytes: u64,
    changes: Option<&'a HashSet<PathBuf>>,
    /// data/ on disk.
    dir: Option<&'a Path>,
    /// What the parse depends on besides the file, hashed.
    options: u64,
    started: SystemTime,
}

impl Reading<'_> {
    /// Loads the record `files` below data/ through `parse`, in their order, taking those
    /// unchanged since the last load from `kept`, which is left holding this load. Notes
    /// in `unloaded` each file that did not load, or whose record's id is not its name.
    fn load<T: Send + Sync + Record>(
        &self,
        files: &[&Walked],
        kept: Option<&mut Kept<Arc<Parsed<T>>>>,
        diags: &mut Vec<Diagnostic>,
        unloaded: &mut BTreeSet<String>,
        stand_ins: &mut Vec<StandIn>,
        parse: impl Fn(Arc<SourceFile>) -> (Option<Loaded<T>>, Vec<Diagnostic>) + Sync,
    ) -> Vec<Shared<T>> {
        let probe = Kept::probe(kept.as_deref(), self.changes, self.dir, self.options);
        let results: Vec<(Option<Stamp>, Arc<Parsed<T>>, bool)> = files
            .par_iter()
            .map(|file| {
                let (stamp, hit) = probe.look(&file.rel, file.linked());
                let taken = hit.is_some();
                let parsed = hit.unwrap_or_else(|| {
                    let name = format!("data/{}", file.rel);
                    let parsed = match source::walked_text(self.source, &name, self.max_bytes) {
                        Ok(file) => match parse(Arc::clone(&file)) {
                            (None, errors) => (None, errors, stand_ins_of::<T>(&file)),
                            (record, errors) => (record.map(Arc::new), errors, Vec::new()),
                        },
                        Err(d) => (None, vec![d], Vec::new()),
                    };
                    Arc::new(parsed)
                });
                (stamp, parsed, taken)
            })
            .collect();
        // The register shares each record with the cache.
        let mut loaded = Vec::with_capacity(results.len());
        for (file, (_, parsed, _)) in files.iter().zip(&results) {
            diags.extend(parsed.1.iter().cloned());
            stand_ins.extend(parsed.2.iter().cloned());
            let name = file_id(&file.rel);
            match &parsed.0 {
                Some(record) => {
                    if record.record.id() != name {
                        unloaded.insert(name.to_string());
                    }
                    loaded.push(Arc::clone(record));
                }
                None => _ = unloaded.insert(name.to_string()),
            }
        }
        if let Some(kept) = kept {
            let kept_now = files.iter().zip(results);
            kept.keep(
                self.started,
                kept_now.map(|(file, (stamp, parsed, taken))| {
                    (file.rel.as_str(), stamp, parsed, taken)
                }),
            );
        }
        loaded
    }
}

/// The Markdown fields `file` gives, as a record of kind `T` that did not load.
fn stand_ins_of<T: Record>(file: &Arc<SourceFile>) -> Vec<StandIn> {
    let id = file_id(&file.name);
    T::MARKDOWN
        .into_iter()
        .filter_map(|path| {
            Some(StandIn {
                subject: T::named(id.to_string()),
                folder: T::KIND.1,
                source: Arc::clone(file),
                path,
                text: yaml::text_at(file, path)?,
            })
        })
        .collect()
}

/// The id a record file's name gives it (`data/exceptions/<id>.yaml`): the name without
/// its folders and `.yaml`.
pub fn file_id(name: &str) -> &str {
    name.rsplit('/')
        .next()
        .unwrap_or(name)
        .trim_end_matches(".yaml")
}

/// Loads one record file and runs the checks of a single record on it, the id among them:
/// it must match the file name (`data/exceptions/<id>.yaml`).
fn parse_record<T: DeserializeOwned + Record>(
    file: Arc<SourceFile>,
    check: impl Fn(&T, &mut Check),
) -> (Option<Loaded<T>>, Vec<Diagnostic>) {
    // Told as what it is, rather than as a record without its first field.
    let written = |l: &str| !(l.is_empty() || l.starts_with('#') || l == "---" || l == "...");
    if !file.text.lines().map(str::trim).any(written) {
        let what = match file.text.trim().is_empty() {
            true => "is empty",
            false => "holds only comments",
        };
        let diag = Diagnostic::error(format!(
            "{} {what}: a record file holds one record",
            file.name
        ))
        .at(&file, 0..file.text.find('\n').unwrap_or(file.text.len()))
        .with_hint(
            "write the record in it, `id:` first (`secbook new` writes one to fill in), \
                 or delete the file",
        );
        return (None, vec![diag]);
    }
    let markers = todo::markers(&file);
    let record: T = match todo::read(&file, &markers) {
        Ok(r) => r,
        Err(_) if let Some(misfiled) = misfiled::<T>(&file) => return (None, vec![misfiled]),
        Err(errors) => {
            // A marker where the record needs a real value: the markers' own reports say
            // better what to do, and all are listed, to be filled at the same time.
            let (at_markers, mut diags): (Vec<_>, Vec<_>) =
                (errors.into_iter()).partition(|d| todo::marker_at(&markers, d).is_some());
            if !at_markers.is_empty() {
                diags.extend(markers.iter().map(|m| todo::error(&file, m)));
            }
            // A record whose only errors are keys it may not have (`titel:`) is read and
            // checked without them, its other errors told with those.
            let rest = (at_markers.is_empty())
                .then(|| yaml::without_unknown_fields(&file, &diags))
                .flatten()
                .and_then(|rest| todo::read::<T>(&rest, &markers).ok());
            match rest {
                Some(record) => diags.extend(checked(&record, &file, &markers, check)),
                // The id is checked all the same: a copy whose id was not changed is told
                // so with the record's other errors, not once they are mended.
                None => {
                    if let Some(id) = written_id(&file, &diags) {
                        let mut c = Check::new(&file);
                        check_id(&id, file_id(&file.name), &mut c);
                        diags.extend(c.diags);
                    }
                }
            }
            return (None, diags);
        }
    };
    let mut diags = checked(&record, &file, &markers, check);
    diags.extend(source::unseen(&file, false));
    diags.extend(yaml::comments_for_values(&file, 0..file.text.len()));
    (
        Some(Loaded {
            record,
            source: file,
        }),
        diags,
    )
}

/// The errors of `record`'s own rules, read from `file` with its TODO `markers`: its id
/// against the file's name, and the rules serde cannot express.
fn checked<T: Record>(
    record: &T,
    file: &Arc<SourceFile>,
    markers: &[yaml::Found],
    check: impl Fn(&T, &mut Check),
) -> Vec<Diagnostic> {
    let mut c = Check::new(file);
    c.markers = markers.iter().map(|m| m.path.clone()).collect();
    check_id(record.id(), file_id(&file.name), &mut c);
    check(record, &mut c);
    c.diags
}

/// The `id` a record that did not load writes, as text, where none of `diags` is about it.
fn written_id(file: &SourceFile, diags: &[Diagnostic]) -> Option<String> {
    let place = yaml::locate(file, &[Seg::Key("id")])?;
    let about_it = |d: &Diagnostic| d.file.is_some() && place.value.contains(&d.span.start);
    if place.value.is_empty() || diags.iter().any(about_it) {
        return None;
    }
    yaml::text_at(file, &[Seg::Key("id")])
}

/// Sorts records by id and reports ids that repeat, even when letter case is ignored. A
/// record whose id is not its file's name (a copy whose id was not changed) is told so
/// already, and setting the id that error offers ends the repeat too: it is one cause.
fn sort_unique<T: Record>(
    mut loaded: Vec<Shared<T>>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Shared<T>> {
    loaded.sort_by(|a, b| a.record.id().cmp(b.record.id()));
    let named_by_its_file = |l: &Shared<T>| file_id(&l.source.name) == l.record.id();
    let mut seen: ahash::HashMap<String, &Shared<T>> = ahash::HashMap::default();
    for l in loaded.iter().filter(|l| named_by_its_file(l)) {
        let id = l.record.id();
        if let Some(first) = seen.insert(id.to_lowercase(), l) {
            diags.push(
                Diagnostic::error(format!(
                    "duplicate id `{id}`: {} has it too",
                    first.source.name
                ))
                .at(&l.source, l.span(&[Seg::Key("id")]))
                .with_hint("ids must be unique, even when letter case is ignored"),
            );
        }
    }
    loaded
}

/// Whether `id` is written as an id may be: it names the record's file and its folder in
/// the site.
fn well_formed(id: &str) -> bool {
    id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn check_id(id: &str, stem: &str, check: &mut Check) {
    let reserved = crate::model::reserved::is_reserved_name;
    if !well_formed(id) {
        check.error(
            &["id"],
            format!("id `{id}` is not valid"),
            Some("an id starts with a letter or digit and holds only letters, digits, `.`, `_` and `-`".into()),
        );
    } else if reserved(id) {
        // The id names the record's folder in the site (exceptions/<id>/), and the file.
        check.error(
            &["id"],
            format!("id `{id}` is a name Windows reserves for a device"),
            Some("CON, PRN, AUX, NUL, COM0-9 and LPT0-9 (with any extension) cannot be file or folder names on Windows; choose another id".into()),
        );
    } else if id != stem {
        check.error(
            &["id"],
            format!("id `{id}` does not match the file name `{stem}.yaml`"),
            // The file's name is offered as the id only where it may be one.
            Some(match well_formed(stem) && !reserved(stem) {
                true => format!("rename the file to `{id}.yaml` or set `id: {stem}`"),
                false => format!("rename the file to `{id}.yaml`"),
            }),
        );
    }
}

/// Fills an approval's missing side and level from data/people.yaml. When that file did
/// not load, the approvals that need it are left as they are and counted: reporting each
/// would repeat the one error in people.yaml.
fn fill_approvers(
    shared: &mut Shared<Exception>,
    people: &People,
    diags: &mut Vec<Diagnostic>,
) -> usize {
    let unfilled = shared
        .record
        .approvals
        .iter()
        .filter(|a| a.side.is_none() || a.level.is_none())
        .count();
    if people.failed {
        return unfilled;
    }
    if unfilled == 0 {
        return 0;
    }
    // Only a record with an approval to fill is copied from the one the cache shares.
    let loaded = Arc::make_mut(shared);
    let mut markers: Option<BTreeSet<String>> = None;
    for (i, approval) in loaded.record.approvals.iter_mut().enumerate() {
        if approval.side.is_some() && approval.level.is_some() {
            continue;
        }
        let entry = people.find(&approval.person());
        approval.side = approval.side.or(entry.and_then(|e| e.side));
        approval.level = approval.level.or(entry.and_then(|e| e.level));
        // A TODO marker is reported as a finding of its own.
        let marked = markers.get_or_insert_with(|| {
            todo::markers(&loaded.source)
                .into_iter()
                .map(|m| m.path)
                .collect()
        });
        let missing: Vec<&str> = [
            ("side", approval.side.is_none()),
            ("level", approval.level.is_none()),
        ]
        .into_iter()
        .filter(|(name, _)| !marked.contains(&format!("approvals[{i}].{name}")))
        .filter_map(|(name, missing)| missing.then_some(name))
        .collect();
        if !missing.is_empty() {
            let span = yaml::locate(&loaded.source, &[Seg::Key("approvals"), Seg::Index(i)])
                .map_or(0..0, |p| p.value);
            diags.push(
                Diagnostic::error(format!(
                    "approval by `{}` has no {} and data/people.yaml does not give it",
                    approval.name,
                    missing.join(" or ")
                ))
                .at(&loaded.source, span)
                .with_hint("add `side:` and `level:` to the approval, or list the approver in data/people.yaml"),
            );
        }
    }
    0
}

/// The ids and pages that cross links may name.
struct Refs<'a> {
    exceptions: &'a BTreeSet<&'a str>,
    incidents: &'a BTreeSet<&'a str>,
    pages: &'a PageNames,
    unloaded: &'a Unloaded,
}

/// "Did you mean" hints for at most this many missing references of one file: each looks
/// along every known name, which for a file of thousands of bad references would take
/// time in the square of the register.
const MAX_HINTS: usize = 100;

impl Refs<'_> {
    /// Reports each `related` entry of the record in `source` that names nothing, each
    /// name once, with the places it is named again (see [`Repeats`]). The places of a
    /// list's entries are found in one reading of the file, however many are missing.
    ///
    /// [`Repeats`]: crate::diagnostics::Repeats
    fn check(&self, source: &Arc<SourceFile>, related: &Related, diags: &mut Vec<Diagnostic>) {
        let first = diags.len();
        for (field, names) in [
            ("exceptions", &related.exceptions),
            ("incidents", &related.incidents),
            ("pages", &related.pages),
        ] {
            // The places of the list's entries, read as far as they are asked for, which
            // is in order; a name's repeats are placed only while their report names them.
            let (mut places, mut read) = (None, 0);
            let mut place = |i: usize| {
                let path = [Seg::Key("related"), Seg::Key(field)];
                let places = places.get_or_insert_with(|| yaml::locate_items(&source.text, &path));
                let found = places.nth(i.saturating_sub(read));
                read = i + 1;
                found.unwrap_or(0..0)
            };
            // The report of each name found missing in this list.
            let mut reported: ahash::HashMap<&str, usize> = ahash::HashMap::default();
            for (i, name) in names.iter().enumerate() {
                let suggest = diags.len() - first < MAX_HINTS;
                if let Some(&report) = reported.get(name.as_str()) {
                    diags[report].repeated(|| place(i));
                } else if let Some((message, hint)) = self.missing(field, name, suggest) {
                    reported.insert(name, diags.len());
                    let diag = Diagnostic::error(message).at(source, place(i));
                    diags.push(match hint {
                        Some(hint) => diag.with_hint(hint),
                        None => diag,
                    });
                }
            }
        }
    }

    /// The message and hint for `name`, an entry of the `related` list `field`, when it
    /// names nothing; the hint names the closest name only when `suggest`.
    fn missing(&self, field: &str, name: &str, suggest: bool) -> Option<(String, Option<String>)> {
        let known = match field {
            "exceptions" => self.exceptions,
            "incidents" => self.incidents,
            _ => return self.missing_page(name, suggest).map(|(m, h)| (m, Some(h))),
        };
        if known.contains(name) || self.unloaded.holds(name) {
            return None;
        }
        let hint = suggest
            .then(|| closest(name, known.iter().copied()))
            .flatten()
            .map(|best| format!("did you mean `{best}`?"));
        let kind = field.trim_end_matches('s');
        Some((format!("related {kind} `{name}` does not exist"), hint))
    }

    /// Reports the page named at `path` of the record in `source` when it does not exist.
    fn page(
        &self,
        source: &Arc<SourceFile>,
        path: &[Seg],
        page: &str,
        diags: &mut Vec<Diagnostic>,
    ) {
        if let Some((message, hint)) = self.missing_page(page, true) {
            let span = yaml::locate(source, path).map_or(0..0, |p| p.value);
            diags.push(Diagnostic::error(message).at(source, span).with_hint(hint));
        }
    }

    /// The message and hint for `page` when no page of content/ has that path, nor a file
    /// that did not load; the hint names the closest page only when `suggest`.
    fn missing_page(&self, page: &str, suggest: bool) -> Option<(String, String)> {
        let normalised = crate::model::links::content_path(page);
        if self.pages.published.contains(normalised) || self.pages.unreadable.holds(normalised) {
            return None;
        }
        if self.pages.drafts.contains(normalised) {
            return Some((
                format!("page `{page}` is a draft, which the site leaves out"),
                DRAFT_HINT.to_string(),
            ));
        }
        let best = suggest
            .then(|| closest(normalised, self.pages.published.iter().map(String::as_str)))
            .flatten();
        let hint = match best {
            Some(best) => format!("did you mean `{best}`?"),
            None => "pages are named by their path below content/, such as \
                     `exceptions/process.md`"
                .to_string(),
        };
        Some((format!("page `{page}` does not exist in content/"), hint))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    /// Every string value of `text` written as `null` in turn, as `T`: either it does not
    /// load, or no text of what loads is "null" (an optional field takes it as absent).
    fn no_null_loads_as_text<T: DeserializeOwned + Serialize>(name: &str, text: &str) {
        fn texts(value: &serde_json::Value, out: &mut Vec<String>) {
            match value {
                serde_json::Value::String(s) => out.push(s.clone()),
                serde_json::Value::Array(items) => items.iter().for_each(|v| texts(v, out)),
                serde_json::Value::Object(map) => map.values().for_each(|v| texts(v, out)),
                _ => {}
            }
        }
        let found = yaml::string_values(text, |_| true);
        assert!(found.len() > 20, "{name}: {found:?}");
        for value in found {
            let nulled = format!(
                "{}null{}",
                &text[..value.span.start],
                &text[value.span.end..]
            );
            let file = SourceFile::new(name, nulled);
            let Ok(record) = yaml::parse::<T>(&file, 0..file.text.len()) else {
                continue;
            };
            let mut all = Vec::new();
            texts(&serde_json::to_value(&record).unwrap(), &mut all);
            assert!(
                !all.iter().any(|t| t == "null"),
                "{name}: `{}: null` loads as the text \"null\"",
                value.path
            );
        }
    }

    #[test]
    fn a_written_null_is_never_a_text() {
        no_null_loads_as_text::<Exception>(
            "EXC-001.yaml",
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/valid/records/data/exceptions/EXC-001.yaml"
            )),
        );
        no_null_loads_as_text::<Incident>(
            "INC-001.yaml",
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/valid/records/data/incidents/INC-001.yaml"
            )),
        );
        no_null_loads_as_text::<Vec<PersonEntry>>(
            "people.yaml",
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/valid/records/data/people.yaml"
            )),
        );
    }
}
