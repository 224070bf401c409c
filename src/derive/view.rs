//! An audience's view of the handbook (SPEC 12): what was loaded, less every page and
//! record classified above the audience, every list entry and every link in a record's
//! Markdown that names one of them, and the files beside the pages that only they link to;
//! then with the fields the audience may not read redacted. Everything made for the audience is made from the view alone, so nothing
//! it may not read can reach any page or export, whichever renders it.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use aho_corasick::{AhoCorasick, MatchKind};
use std::sync::Arc;

use crate::derive::site;
use crate::load::config::Config;
use crate::load::content::{self, Asset, Content, Page};
use crate::load::history::{Changes, Fields};
use crate::load::records::{Loaded, Records};
use crate::load::yaml::{self, Seg};
use crate::model::audience::Reader;
use crate::model::exception::Exception;
use crate::model::finding::Finding;
use crate::model::history::{FieldChange, History};
use crate::model::incident::Incident;
use crate::model::links::{self, Named};
use crate::model::redact::{REDACTABLE, REDACTED, Redaction, texts};
use crate::model::related::Related;
use crate::model::vocab;
use gix::ObjectId;
use serde::de::DeserializeOwned;
use serde_yaml::{Mapping, Value};
use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// The audience a build is for: the one `asked` for on the command line, else handbook.yaml's
/// `default_audience`; `None` for the whole handbook. An audience the command line names
/// that handbook.yaml does not define is the command's error, with the names it defines.
pub fn select<'a>(config: &'a Config, asked: Option<&str>) -> Result<Option<Reader<'a>>, String> {
    let Some(name) = asked.or(config.default_audience.as_deref()) else {
        return Ok(None);
    };
    let Some((name, audience)) = config.audiences.get_key_value(name) else {
        // A `default_audience` that is not defined is handbook.yaml's error, reported there.
        if asked.is_none() {
            return Ok(None);
        }
        let names: Vec<&str> = config.audiences.keys().map(String::as_str).collect();
        let hint = match crate::diagnostics::closest(name, names.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None if names.is_empty() => "handbook.yaml defines no `audiences`".to_string(),
            None => format!("handbook.yaml defines {}", names.join(", ")),
        };
        return Err(format!("unknown audience `{name}`: {hint}"));
    };
    let max = config
        .classification
        .as_ref()
        .and_then(|c| c.rank(&audience.max));
    Ok(Some(Reader {
        name,
        max,
        redact: &audience.redact,
    }))
}

/// The classification of every page and record, by what links name them by.
pub struct Levels<'a> {
    config: &'a Config,
    pages: HashMap<&'a str, Option<&'a str>>,
    exceptions: HashMap<&'a str, Option<&'a str>>,
    incidents: HashMap<&'a str, Option<&'a str>>,
}

impl<'a> Levels<'a> {
    pub fn new(config: &'a Config, pages: &'a [Arc<Page>], records: &'a Records) -> Self {
        Levels {
            config,
            pages: page_levels(config, pages),
            exceptions: records
                .exceptions
                .iter()
                .map(|e| (e.record.id.as_str(), e.record.classification.as_deref()))
                .collect(),
            incidents: records
                .incidents
                .iter()
                .map(|i| (i.record.id.as_str(), i.record.classification.as_deref()))
                .collect(),
        }
    }

    /// The level `named` is classified at, the default when it gives none; `None` when it
    /// is not a page or record of the handbook, or the handbook has no levels.
    pub fn level(&self, named: &Named) -> Option<&'a str> {
        let classification = self.config.classification.as_ref()?;
        let own = match named {
            Named::Page(path) => self.pages.get(path.as_str())?,
            Named::Exception(id) => self.exceptions.get(id.as_str())?,
            Named::Incident(id) => self.incidents.get(id.as_str())?,
            Named::File(_) => return None,
        };
        Some(own.unwrap_or(&classification.default))
    }

    /// The rank of `named`'s level (0 the least sensitive), as [`Levels::level`].
    pub fn rank(&self, named: &Named) -> Option<usize> {
        let classification = self.config.classification.as_ref()?;
        self.level(named).map(|l| classification.rank_of(Some(l)))
    }
}

/// The level of each page: its own, or its section's (`a/_index.md` or `a/index.md` for
/// `a/b/c.md`, and for `a/b/_index.md`) where that is more sensitive, as Hugo's `cascade`
/// carries a section's front matter down. A page's path names its sections' folders, so
/// one that an audience may read would give away the name of a section it may not.
fn page_levels<'a>(config: &Config, pages: &'a [Arc<Page>]) -> HashMap<&'a str, Option<&'a str>> {
    let own = pages
        .iter()
        .map(|p| (p.path.as_str(), p.front.classification.as_deref()));
    let Some(classification) = &config.classification else {
        return own.collect();
    };
    // The folder a section page at `path` is the page of: `a/` for `a/_index.md`.
    let section_folder = |path: &'a str| {
        let folder = &path[..path.rfind('/').map_or(0, |i| i + 1)];
        content::is_section_index(path).then_some(folder)
    };
    let sections: HashMap<&str, &str> = (pages.iter())
        .filter_map(|p| Some((section_folder(&p.path)?, p.front.classification.as_deref()?)))
        .filter(|(folder, _)| !folder.is_empty())
        .collect();
    if sections.is_empty() {
        return own.collect();
    }
    let rank = |level: Option<&str>| classification.rank_of(level);
    // The sections' levels above the page at `path`; a section page's own is its own.
    let above = |path: &'a str| {
        let own = section_folder(path);
        (path.match_indices('/'))
            .map(|(i, _)| &path[..=i])
            .filter(move |folder| Some(*folder) != own)
            .filter_map(|folder| sections.get(folder).copied())
    };
    pages
        .iter()
        .map(|p| {
            let (path, level) = (p.path.as_str(), p.front.classification.as_deref());
            // A page reached through a link is as classified as the place it leads to.
            let above = (above(path).chain(p.real.as_deref().into_iter().flat_map(above)))
                .max_by_key(|l| rank(Some(l)));
            match above {
                Some(l) if rank(Some(l)) > rank(level) => (path, Some(l)),
                _ => (path, level),
            }
        })
        .collect()
}

/// What `reader` may see of what was loaded, before redaction.
pub struct View {
    pub content: Content,
    pub records: Records,
    /// The pages, records and files left out, which the view's links may still name.
    pub hidden: BTreeSet<Named>,
    /// The files beside the pages left out, by their path in the site.
    pub hidden_files: BTreeSet<String>,
}

impl View {
    /// Whether the view leaves nothing out.
    pub fn shows_all(&self) -> bool {
        self.hidden.is_empty() && self.hidden_files.is_empty()
    }

    pub fn of(reader: &Reader, config: &Config, content: &Content, records: &Records) -> View {
        let levels = Levels::new(config, &content.pages, records);
        let readable = |named: &Named| levels.rank(named).is_none_or(|r| reader.may_read(r));
        let page = |p: &Page| Named::Page(p.path.clone());
        let exception = |id: &str| Named::Exception(id.to_string());
        let incident = |id: &str| Named::Incident(id.to_string());
        let mut hidden = BTreeSet::new();
        hidden.extend(content.pages.iter().map(|p| page(p)));
        hidden.extend(records.exceptions.iter().map(|e| exception(&e.record.id)));
        hidden.extend(records.incidents.iter().map(|i| incident(&i.record.id)));
        hidden.retain(|n| !readable(n));

        let hidden_files = hidden_files(content, records, &hidden);
        // A link names a file by its name in content/ or by its path in the site: a shown
        // page's link to a file below a hidden page's folder is cut, as one to the page.
        hidden.extend(
            (content.assets.iter())
                .filter(|a| hidden_files.contains(&a.to))
                .flat_map(|a| [&a.source, &a.to])
                .map(|path| Named::File(path.clone())),
        );
        let shown = |named: &Named| !hidden.contains(named);
        let prune = |related: &mut Related| {
            related.exceptions.retain(|id| shown(&exception(id)));
            related.incidents.retain(|id| shown(&incident(id)));
            related
                .pages
                .retain(|p| shown(&Named::Page(links::content_path(p).to_string())));
        };
        let mut exceptions = Vec::new();
        for e in &records.exceptions {
            if shown(&exception(&e.record.id)) {
                let mut e = Loaded::clone(e);
                prune(&mut e.record.related);
                exceptions.push(Arc::new(e));
            }
        }
        let mut incidents = Vec::new();
        for i in &records.incidents {
            if shown(&incident(&i.record.id)) {
                let mut i = Loaded::clone(i);
                prune(&mut i.record.related);
                if let Some(p) = &mut i.record.postmortem
                    && p.page.as_deref().is_some_and(|path| {
                        !shown(&Named::Page(links::content_path(path).to_string()))
                    })
                {
                    p.page = None;
                }
                incidents.push(Arc::new(i));
            }
        }
        let mut records = Records {
            exceptions,
            incidents,
            people: records.people.clone(),
            unloaded: records.unloaded.clone(),
            // A view is made of a register that loaded whole.
            stand_ins: Vec::new(),
        };
        site::unlink_records(&mut records, &hidden);
        View {
            content: Content {
                pages: content
                    .pages
                    .iter()
                    .filter(|p| shown(&page(p)))
                    .map(|p| {
                        let hidden =
                            |dest: &str| links::named(p.dir(), dest).is_some_and(|n| !shown(&n));
                        p.hiding(hidden).map_or_else(|| Arc::clone(p), Arc::new)
                    })
                    .collect(),
                assets: content
                    .assets
                    .iter()
                    .filter(|a| !hidden_files.contains(&a.to))
                    .cloned()
                    .collect(),
                unreadable: content.unreadable.clone(),
                drafts: content.drafts.clone(),
            },
            records,
            hidden,
            hidden_files,
        }
    }
}

/// The exceptions of a baseline revision that `reader` may read, when it may not read them
/// all: one classified above it then is not compared, as its history shows no value of
/// that version.
pub fn readable_baseline(
    baseline: &BTreeMap<String, Exception>,
    config: &Config,
    reader: &Reader,
) -> Option<BTreeMap<String, Exception>> {
    let classification = config.classification.as_ref()?;
    let readable =
        |e: &Exception| reader.may_read(classification.rank_of(e.classification.as_deref()));
    (!baseline.values().all(readable)).then(|| {
        (baseline.iter())
            .filter(|(_, e)| readable(e))
            .map(|(id, e)| (id.clone(), e.clone()))
            .collect()
    })
}

/// Every text an audience may not read, for what it is shown that its view did not make: a
/// finding made before the redaction may quote a redacted field, and a commit's subject,
/// author and old values may name any record of any level.
pub struct Unreadable {
    /// `None` when there is nothing to scrub; a searcher too large to build leaves nothing
    /// of the texts it would have searched.
    searcher: Option<Result<AhoCorasick, aho_corasick::BuildError>>,
}

impl Unreadable {
    /// What an audience may not read, by one rule: the texts its redaction took out
    /// (`removed`), and the `hidden` texts of what it may not see ([`hidden_texts`]) but
    /// those it sees elsewhere, in its redacted `records` and its `pages`, such as the
    /// owner of a hidden record who owns a shown one too. A redacted text stays unreadable
    /// though shown elsewhere: beside its record's id it would tell what the field holds.
    pub fn new(
        removed: &[String],
        hidden: &[String],
        records: &Records,
        pages: &[Arc<Page>],
    ) -> Self {
        let removed = removed.iter().flat_map(|t| fragments(t));
        if hidden.is_empty() {
            return Unreadable::of(removed);
        }
        let all = || REDACTABLE.iter().copied();
        let mut shown = Vec::new();
        for e in &records.exceptions {
            shown.extend(texts(&e.record, Exception::redact, all()));
            shown.push(e.record.id.clone());
        }
        for i in &records.incidents {
            shown.extend(texts(&i.record, Incident::redact, all()));
            shown.push(i.record.id.clone());
        }
        shown.extend(pages.iter().flat_map(|p| page_texts(p)));
        let shown: HashSet<String> = shown
            .iter()
            .flat_map(|t| fragments(t))
            .map(|f| folded(f, None))
            .collect();
        let hidden = hidden
            .iter()
            .flat_map(|t| fragments(t))
            .filter(|f| !shown.contains(&folded(f, None)));
        Unreadable::of(removed.chain(hidden))
    }

    /// A searcher for `texts`, read as [`folded`] reads them, the longest first where two
    /// start together, so that a short one inside a long one does not leave the rest behind.
    /// A text that is a word secbook writes of its own ([`vocab::is_own_word`]) is left.
    fn of<'a>(texts: impl Iterator<Item = &'a str>) -> Unreadable {
        let texts: BTreeSet<String> = (texts.filter(|t| !vocab::is_own_word(t)))
            .map(|t| folded(t, None))
            .collect();
        let searcher = (!texts.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(texts)
        });
        Unreadable { searcher }
    }

    /// `text` with each unreadable text in it replaced by "redacted"; `None` when it holds
    /// none. A text is found in any letter case and spacing (a quote may break a line, or
    /// double a space), and as a whole word: an asset `db` is not in "feedback", where
    /// scrubbing it would garble a finding and tell what was scrubbed.
    pub fn scrub(&self, text: &str) -> Option<String> {
        let searcher = match &self.searcher {
            None => return None,
            Some(Ok(searcher)) => searcher,
            Some(Err(_)) => return Some(REDACTED.to_string()),
        };
        let mut at = Vec::new();
        let read = folded(text, Some(&mut at));
        // `remediation_plan` is one word: scrubbing `plan` out of it would tell what was
        // scrubbed.
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        let glued = |m: &aho_corasick::Match| {
            let (before, found, after) = (&read[..m.start()], &read[m.range()], &read[m.end()..]);
            (word(found.chars().next()) && word(before.chars().next_back()))
                || (word(found.chars().next_back()) && word(after.chars().next()))
        };
        // Every whole-word match, the longest first where two start together: a long text
        // glued to a word leaves a shorter one at its start to be found.
        let mut found: Vec<_> = (searcher.find_overlapping_iter(&read))
            .filter(|m| !glued(m))
            .collect();
        found.sort_by_key(|m| (m.start(), Reverse(m.end())));
        let mut out = String::with_capacity(text.len());
        let (mut written, mut end) = (0, 0);
        for m in found {
            if m.start() >= end {
                out.push_str(&text[written..at[m.start()]]);
                out.push_str(REDACTED);
                (written, end) = (at[m.end()], m.end());
            }
        }
        // Each text redacted ends past the start.
        if written == 0 {
            return None;
        }
        out.push_str(&text[written..]);
        Some(out)
    }

    /// Scrubs `text` in place, as [`Unreadable::scrub`].
    pub fn scrub_in(&self, text: &mut String) {
        if let Some(scrubbed) = self.scrub(text) {
            *text = scrubbed;
        }
    }
}

/// Every text of what `view` leaves out of the whole handbook's `records` and `pages`,
/// which what git gives may name: each field and the id of a hidden record, the path,
/// front matter and headings of a hidden page, a hidden file's path.
pub fn hidden_texts(records: &Records, pages: &[Arc<Page>], view: &View) -> Vec<String> {
    let all = || REDACTABLE.iter().copied();
    let mut hidden = Vec::new();
    for e in &records.exceptions {
        if view.hidden.contains(&Named::Exception(e.record.id.clone())) {
            hidden.extend(texts(&e.record, Exception::redact, all()));
            hidden.push(e.record.id.clone());
        }
    }
    for i in &records.incidents {
        if view.hidden.contains(&Named::Incident(i.record.id.clone())) {
            hidden.extend(texts(&i.record, Incident::redact, all()));
            hidden.push(i.record.id.clone());
        }
    }
    let pages = pages
        .iter()
        .filter(|p| view.hidden.contains(&Named::Page(p.path.clone())));
    hidden.extend(pages.flat_map(|p| page_texts(p)));
    // A hidden file by its path in the site and in content/, as git names it.
    hidden.extend(view.hidden.iter().filter_map(|named| match named {
        Named::File(path) => Some(path.clone()),
        _ => None,
    }));
    hidden
}

/// What an audience may not read in the versions of the record files that git holds
/// (SPEC 12, 14), which a commit's subject may quote and a change's old value may show.
#[derive(Debug, Default)]
pub struct Past {
    /// Every text of a version it may not see: one classified above it, or one of a record
    /// it does not see now.
    pub hidden: Vec<String>,
    /// Every value of a field it redacts, in any version.
    pub redacted: Vec<String>,
    /// Whether it may read a version classified so (`None`: not classified), for each
    /// classification a version gives.
    readable: HashMap<Option<String>, bool>,
}

impl Past {
    /// Reads every version of every record file in `changes` once. A version of a record
    /// of `records` the view hides is hidden whatever id it gave, as its history follows
    /// it through renames.
    pub fn of(
        changes: &Changes,
        config: &Config,
        reader: &Reader,
        (view, records): (&View, &Records),
    ) -> Past {
        let hidden = |named: &Named| view.hidden.contains(named);
        let hidden_versions = crate::derive::history::versions_of(changes, records, hidden);
        let mut past = Past::default();
        let mut read: HashSet<ObjectId> = HashSet::new();
        let redacted: Vec<&str> = reader.redact.iter().map(String::as_str).collect();
        let names = [REDACTABLE, redacted.as_slice()];
        for change in &changes.log.changes {
            for blob in [change.old, change.new].into_iter().flatten() {
                let Some(Ok(fields)) = changes.versions.get(&blob).filter(|_| read.insert(blob))
                else {
                    continue;
                };
                let value = |key: &str| fields.get(key).and_then(Value::as_str);
                let id = value("id").unwrap_or_default().to_string();
                let (named, [all, redacted]) = match change.folder {
                    0 => (
                        Named::Exception(id.clone()),
                        version_texts(fields, Exception::redact, names),
                    ),
                    _ => (
                        Named::Incident(id.clone()),
                        version_texts(fields, Incident::redact, names),
                    ),
                };
                let level = value("classification");
                let rank = (config.classification.as_ref()).map(|c| c.rank_of(level));
                let readable = rank.is_none_or(|r| reader.may_read(r));
                (past.readable).insert(level.map(str::to_string), readable);
                if !readable || view.hidden.contains(&named) || hidden_versions.contains(&blob) {
                    past.hidden.extend(all);
                    past.hidden.push(id);
                }
                past.redacted.extend(redacted);
            }
        }
        past
    }

    /// Whether the audience may read a version the file gave `level`; one whose level was
    /// not met, or that did not read, it may not.
    pub fn may_read(&self, level: Option<&str>) -> bool {
        (self.readable.get(&level.map(str::to_string))).is_some_and(|r| *r)
    }

    /// Whether it leaves nothing of any version unread.
    pub fn reads_all(&self) -> bool {
        self.hidden.is_empty() && self.redacted.is_empty()
    }
}

/// The texts of each group of fields `names` of a version of a record file: as [`texts`]
/// takes them out of the record the version reads as, else every string they hold.
fn version_texts<T: Clone + DeserializeOwned>(
    fields: &Fields,
    redact: fn(&mut T, &str, &mut Redaction) -> bool,
    names: [&[&str]; 2],
) -> [Vec<String>; 2] {
    // Every field is a value where there are audiences (see `Reading::values`).
    let mapping: Mapping = (fields.iter())
        .filter_map(|(key, held)| Some((Value::String(key.to_string()), held.value()?.clone())))
        .collect();
    match serde_yaml::from_value::<T>(Value::Mapping(mapping)) {
        Ok(record) => names.map(|names| texts(&record, redact, names.iter().copied())),
        Err(_) => names.map(|names| {
            (names.iter())
                .filter_map(|name| fields.get(name))
                .flat_map(strings)
                .collect()
        }),
    }
}

/// Every string `value` holds, at any depth.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(items) => items.iter().flat_map(strings).collect(),
        Value::Mapping(m) => m
            .iter()
            .flat_map(|(k, v)| [strings(k), strings(v)].concat())
            .collect(),
        Value::Tagged(t) => strings(&t.value),
        _ => Vec::new(),
    }
}

/// A page's texts that another text may name: its path, front matter and headings.
fn page_texts(p: &Page) -> impl Iterator<Item = String> + '_ {
    // Its addresses in the site too, with their slash, and without it where a slash is
    // left inside (`plans/target`, as a URL ends): a section's folder alone (`ir`) is a
    // word other texts hold.
    let bare = p.url.trim_end_matches('/');
    let addresses = (!p.url.is_empty())
        .then(|| [p.url.clone(), format!("{}index.html", p.url)])
        .into_iter()
        .flatten()
        .chain(bare.contains('/').then(|| bare.to_string()));
    let front = &p.front;
    [&p.path, &front.title]
        .into_iter()
        .chain(&front.description)
        .chain(&front.tags)
        .chain(&front.owner)
        .chain(p.doc.headings.iter().map(|h| &h.title))
        .cloned()
        .chain(addresses)
}

/// `text` as a search for what it quotes reads it: in lower case (`ß` as `ss`, as `SS`
/// lowers), without accents, in either of Unicode's spellings, full-width letters as
/// ASCII, each run of white space one space; into `at`, when asked, the byte of `text`
/// that each of its bytes comes from (and, last, the length of `text`), which only a text
/// searched needs.
fn folded(text: &str, mut at: Option<&mut Vec<usize>>) -> String {
    let mut read = String::with_capacity(text.len());
    let mut spaced = false;
    for (i, c) in text.char_indices() {
        let before = read.len();
        if c.is_whitespace() {
            if !spaced {
                read.push(' ');
            }
            spaced = true;
        } else {
            spaced = false;
            decompose_compatible(c, |d| {
                for l in d.to_lowercase().filter(|l| !is_combining_mark(*l)) {
                    match l {
                        'ß' => read.push_str("ss"),
                        l => read.push(l),
                    }
                }
            });
        }
        if let Some(at) = at.as_deref_mut() {
            at.resize(at.len() + read.len() - before, i);
        }
    }
    if let Some(at) = at {
        at.push(text.len());
    }
    read
}

/// The parts of a text that another text may repeat: each of its lines, trimmed, that
/// holds a letter or a digit. A commit's subject is one line, so a Markdown field is
/// searched for line by line; what holds no letter or digit tells nothing.
fn fragments(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.chars().any(char::is_alphanumeric))
}

/// The history of the records the view holds, and of no other.
pub fn history_of(mut history: History, records: &Records) -> History {
    let exceptions: BTreeSet<&str> = records
        .exceptions
        .iter()
        .map(|e| e.record.id.as_str())
        .collect();
    let incidents: BTreeSet<&str> = records
        .incidents
        .iter()
        .map(|i| i.record.id.as_str())
        .collect();
    history
        .exceptions
        .retain(|id, _| exceptions.contains(id.as_str()));
    history
        .incidents
        .retain(|id, _| incidents.contains(id.as_str()));
    history
}

/// The files beside the pages that go with hidden pages and records only. A file goes with
/// the pages and records that link to it, or, when none does, with the pages of its folder;
/// it is hidden when it goes with some and all of them are hidden.
fn hidden_files(
    content: &Content,
    records: &Records,
    hidden: &BTreeSet<Named>,
) -> BTreeSet<String> {
    // For each file linked to: whether something shown links to it.
    let mut linked: HashMap<String, bool> = HashMap::new();
    let mut link = |from: &Named, to: Named| {
        if let Named::File(path) = to {
            *linked.entry(path).or_default() |= !hidden.contains(from);
        }
    };
    for page in &content.pages {
        let from = Named::Page(page.path.clone());
        for l in &page.doc.links {
            if let Some(to) = links::named(page.dir(), &l.dest) {
                link(&from, to);
            }
        }
    }
    if !records.exceptions.is_empty() || !records.incidents.is_empty() {
        for (from, to) in site::record_link_names(records) {
            link(&from, to);
        }
    }
    // For each folder below content/: whether one of its pages is shown. And the folders
    // the hidden pages but home are written to: a file written below one names that page
    // in its path (`a/b/x.png` names `a/b.md`'s slug, `a/_index.md`'s folder), so it is
    // hidden, however it is linked.
    let mut folders: HashMap<&str, bool> = HashMap::new();
    let mut hidden_urls: HashSet<&str> = HashSet::new();
    for page in &content.pages {
        let shown = !hidden.contains(&Named::Page(page.path.clone()));
        *folders.entry(page.dir()).or_default() |= shown;
        if !shown && !page.url.is_empty() {
            hidden_urls.insert(&page.url);
        }
    }
    let here: Vec<&Asset> = (content.assets.iter())
        .filter(|a| {
            let named = |(i, _)| hidden_urls.contains(&a.to[..=i]);
            if !hidden_urls.is_empty() && a.to.match_indices('/').any(named) {
                return true;
            }
            let folder = a.source.rsplit_once('/').map_or("", |(dir, _)| dir);
            // A link names the file by its own name, or by the name it is written at.
            let by_links = [&a.source, &a.to]
                .into_iter()
                .filter_map(|p| linked.get(p).copied())
                .reduce(|a, b| a || b);
            let shown = by_links.or_else(|| folders.get(folder).copied());
            shown == Some(false)
        })
        .collect();
    // A file reached through a link is hidden where what it leads to is: a file so hidden,
    // or a hidden page.
    let sources: HashSet<&str> = here.iter().map(|a| a.source.as_str()).collect();
    let leads_to_hidden = |real: &String| {
        sources.contains(real.as_str()) || hidden.contains(&Named::Page(real.clone()))
    };
    (content.assets.iter())
        .filter(|a| {
            sources.contains(a.source.as_str()) || a.real.as_ref().is_some_and(leads_to_hidden)
        })
        .map(|a| a.to.clone())
        .collect()
}

/// Redacts `fields` in every record of `records`.
/// Returns the texts it took out.
pub fn redact(records: &mut Records, fields: &[String]) -> Vec<String> {
    if fields.is_empty() {
        return Vec::new();
    }
    let mut r = Redaction::default();
    for e in &mut records.exceptions {
        let e = Arc::make_mut(e);
        for field in fields {
            e.record.redact(field, &mut r);
        }
    }
    for i in &mut records.incidents {
        let i = Arc::make_mut(i);
        for field in fields {
            i.record.redact(field, &mut r);
        }
    }
    r.into_removed()
}

/// Redacts the history of the view's records: no old or new value of a field in `fields`
/// (only that it changed), no approver's name when `approvals` is one of them, and nothing
/// `unreadable` in what git gives: a commit's subject and author, and the old and new
/// values of the other fields, which an earlier version may have shared with any record.
/// No value at all of a version classified above the audience (`past`): it may since
/// have been declassified, its texts cleaned.
pub fn redact_history(
    history: &mut History,
    fields: &[String],
    unreadable: &Unreadable,
    past: &Past,
) {
    let approvals = fields.iter().any(|f| f == "approvals");
    for h in history
        .exceptions
        .values_mut()
        .chain(history.incidents.values_mut())
    {
        // The values of changes between versions classified `classified`.
        let redact = |changes: &mut [FieldChange], classified: &[Option<String>; 2]| {
            let [old, new] = classified.each_ref().map(|l| past.may_read(l.as_deref()));
            for change in changes {
                if fields.contains(&change.field) {
                    (change.old, change.new) = (None, None);
                }
                if !old {
                    change.old = None;
                }
                if !new {
                    change.new = None;
                }
                for value in [&mut change.old, &mut change.new].into_iter().flatten() {
                    unreadable.scrub_in(value);
                }
            }
        };
        for entry in &mut h.commits {
            redact(&mut entry.changes, &entry.classified);
            for text in [&mut entry.subject, &mut entry.author, &mut entry.email] {
                unreadable.scrub_in(text);
            }
        }
        if let Some(uncommitted) = &mut h.uncommitted {
            redact(&mut uncommitted.changes, &uncommitted.classified);
        }
        if approvals {
            for seen in &mut h.approvals {
                seen.name = REDACTED.to_string();
            }
        }
    }
}

/// Where `requested_by` is redacted, a finding that an approval came from the requester
/// would name them by the approval it points at: it is told at `requested_by` instead,
/// which reads "redacted", naming nobody, once for the record.
pub fn redact_findings(found: &mut Vec<Arc<Finding>>, fields: &[String]) {
    if !fields.iter().any(|f| f == "requested_by") {
        return;
    }
    let mut told = HashSet::new();
    found.retain_mut(|f| {
        if f.code != "exception.self-approved" {
            return true;
        }
        if !told.insert(f.subject.clone()) {
            return false;
        }
        let f = Arc::make_mut(f);
        let place = yaml::locate(&f.source, &[Seg::Key("requested_by")]);
        f.span = place.map_or(0..0, |p| p.value);
        f.line = f.source.line_col(f.span.start).0;
        f.message = format!(
            "{} was approved by the person who requested it: a request needs another \
             person's approval",
            f.subject
        );
        true
    });
    crate::model::finding::sort(found);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_texts_are_scrubbed_longest_first_in_any_case_line_by_line() {
        let texts = ["db", "db-prod-7", "Needed for\n  the HSM.\n---\n"];
        let unreadable = Unreadable::of(texts.iter().flat_map(|t| fragments(t)));
        let scrub = |text: &str| unreadable.scrub(text);
        assert_eq!(
            scrub("DB-Prod-7 and db: the hsm."),
            Some("redacted and redacted: redacted".to_string())
        );
        assert_eq!(
            scrub("needed FOR it --- twice"),
            Some("redacted it --- twice".into())
        );
        assert_eq!(scrub("nothing here"), None);
        assert_eq!(
            scrub("feedback on dbs, (db)"),
            Some("feedback on dbs, (redacted)".into())
        );
        assert_eq!(Unreadable::of(fragments("---\n  \n")).scrub("---"), None);
        // In any spacing, and any letter case beyond ASCII's too.
        let unreadable = Unreadable::of(["Zoë's  hidden\trisk"].into_iter());
        assert_eq!(
            unreadable.scrub("A: ZOË'S hidden  risk; B:\tzoë's\nhidden risk."),
            Some("A: redacted; B:\tredacted.".into())
        );
    }

    #[test]
    fn unreadable_texts_are_found_in_any_spelling_as_whole_words_only() {
        let unreadable = Unreadable::of(
            ["Crimson Falcon Vault", "Crimson Falcon", "Straße", "plan"].into_iter(),
        );
        let scrub = |text: &str| unreadable.scrub(text);
        // A long text glued to a word leaves the shorter one that starts with it.
        assert_eq!(
            scrub("Crimson Falcon Vaults; the Crimson Falcon Vault"),
            Some("redacted Vaults; the redacted".into())
        );
        // Accents in either spelling, `ß` upper-cased, full-width letters.
        assert_eq!(
            scrub("STRASSE, Stras\u{73}e, Ｃｒｉｍｓｏｎ Falcon, Crimson Fal\u{63}on"),
            Some("redacted, redacted, redacted, redacted".into())
        );
        let accented = Unreadable::of(["Crème"].into_iter());
        assert_eq!(
            accented.scrub("Cre\u{300}me it"),
            Some("redacted it".into())
        );
        // `_` joins a word.
        assert_eq!(
            scrub("remediation_plan, plan"),
            Some("remediation_plan, redacted".into())
        );
    }
}
