//! The pipeline: load, validate, compute, render, write. Each stage reports every problem
//! it finds; the site is written only when no stage found an error.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::derive::handbook::Handbook;
use crate::derive::history;
use crate::derive::site::Site;
use crate::derive::view::{self, Past, Unreadable, View};
use crate::diagnostics::{self, Diagnostic, Error, Level, SourceFile};
use crate::load::audience;
use crate::load::config::Config;
use crate::load::content;
use crate::load::disk::Disk;
use crate::load::history::Changes;
use crate::load::source::{self, Source};
use crate::load::theme::Theme;
use crate::load::theme_ids::TemplateIds;
use crate::load::yaml;
use crate::model::date::{self, Date};
use crate::model::finding::{Finding, LintLevel};
use crate::model::history::History;
use crate::render::{self, Finished, Output, OutputFile, RenderCache, Values, search};
use crate::validate::findings::{self, Coverage};
use crate::write::output;
use crate::{load::baseline, load::records};

/// What `build` and `check` were asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub root: PathBuf,
    pub as_of: Option<Date>,
    pub base_url: Option<String>,
    pub drafts: bool,
    /// Deny every finding that would otherwise warn.
    pub strict: bool,
    /// A git revision to compare the records with.
    pub baseline: Option<String>,
    /// Read each record's history from git, as `history.enabled` does (SPEC 14).
    pub history: bool,
    /// Let `build` replace an output folder that secbook did not write.
    pub force: bool,
    /// The audience to build for (SPEC 12); without it, handbook.yaml's `default_audience`.
    /// `check` reads the whole handbook whatever it says.
    pub audience: Option<String>,
}

/// A site ready to write, and the warnings met on the way.
pub struct Generated {
    pub files: Vec<OutputFile>,
    pub warnings: Vec<Diagnostic>,
    pub findings: Vec<Arc<Finding>>,
    /// How many files the site holds.
    pub file_count: usize,
    pub as_of: Date,
    pub pages: usize,
    /// The size of the search index, which readers download on the search page.
    pub search_index_bytes: u64,
    /// How many files were taken from the cache of earlier builds rather than rendered.
    pub reused: usize,
    /// The audience the site is for; `None` for the whole handbook.
    pub audience: Option<String>,
    /// The whole handbook's findings, when they are not among `warnings`: `serve` shows
    /// only those the build before did not have.
    pub unlisted: Vec<Arc<Finding>>,
}

/// Builds the site into `out`, replacing its previous content only on success. Files are
/// written into a staging folder as they are rendered, so the site is never held in memory.
///
/// The output is claimed before the handbook is read, so a refused output costs nothing,
/// and another build into it is waited for (see [`output::Staging::create`]).
pub fn build(options: &Options, out: &Path) -> Result<Generated, Error> {
    check_root(&options.root)?;
    let staging = output::Staging::create(&options.root, out, options.force, output::Holds::Site)?;
    let prepared = prepare(options, None)?;
    let (mut generated, finished) = render_prepared(prepared, Output::write_to(staging))?;
    if let Some(staging) = finished.staging {
        generated.warnings.extend(staging.commit()?);
    }
    Ok(generated)
}

/// Runs every stage but the write, keeping the files in memory.
pub fn generate(options: &Options) -> Result<Generated, Error> {
    render_kept(prepare(options, None)?, Output::keep())
}

/// [`generate`] for the handbook that `source` holds, whatever holds it: the stages are
/// the same for files on disk, in memory or at a git revision (git is read, for
/// `--baseline` and history, only from the folder of a source on disk). Where neither the options nor handbook.yaml set the as-of
/// date, it is the day of `epoch` (seconds since 1970, as SOURCE_DATE_EPOCH gives them),
/// else today.
pub fn generate_from(
    source: &dyn Source,
    options: &Options,
    epoch: Option<&str>,
) -> Result<Generated, Error> {
    let prepared = prepare_from(source, options, epoch, None, true, None)?;
    render_kept(prepared, Output::keep())
}

/// What `serve` keeps from one build to the next, so that a rebuild reads, parses and
/// renders again only what a change touched. The files are the same as without it.
#[derive(Default)]
pub struct Cache {
    loads: Loads,
    rendered: Arc<RenderCache>,
    /// The audience of the last build; `None` for the whole handbook.
    pub audience: Option<String>,
}

impl Cache {
    /// Tells the next build which files changed since the last, as a file watcher sees
    /// them: the others are taken as they were without looking at them. Paths must be
    /// written as the handbook's root is.
    pub fn changed(&mut self, paths: HashSet<PathBuf>) {
        // Those of a build that failed before it read them are read by the next.
        match &mut self.loads.changes {
            Some(pending) => pending.extend(paths),
            None => self.loads.changes = Some(paths),
        }
    }
}

/// The files of the last build as loaded, which a rebuild takes while they are unchanged.
#[derive(Default)]
struct Loads {
    pages: content::PageCache,
    records: records::RecordCache,
    /// What was derived from each record.
    derived: Derived,
    /// The files changed since, when a file watcher tells: the others are not looked at.
    changes: Option<HashSet<PathBuf>>,
    /// The records' history as the last build read it, which a rebuild takes while HEAD
    /// has not moved.
    history: Option<Arc<Changes>>,
}

/// What the last build derived from each record, which a rebuild takes for a record whose
/// file, and whatever else it was derived from, are unchanged.
#[derive(Default)]
struct Derived {
    /// The checks of the links in its Markdown.
    links: crate::derive::site::KeptChecks,
    findings: findings::Kept,
    facts: crate::derive::handbook::KeptFacts,
}

/// [`generate`] with what earlier builds left in `cache`, leaving this build's there.
pub fn generate_cached(options: &Options, cache: &mut Cache) -> Result<Generated, Error> {
    let mut prepared = prepare(options, Some(&mut cache.loads))?;
    cache.audience.clone_from(&prepared.handbook.audience);
    // serve prints only the warnings the build before did not have: a page edit would
    // otherwise make a diagnostic of each of the register's thousands of findings, to
    // drop it unread.
    prepared.warn_findings = false;
    render_kept(prepared, Output::keep_cached(Arc::clone(&cache.rendered)))
}

/// The render stage into `out`, which keeps the files, handed back with the rest.
fn render_kept(prepared: Prepared, out: Output) -> Result<Generated, Error> {
    let (mut generated, finished) = render_prepared(prepared, out)?;
    generated.files = finished.files;
    Ok(generated)
}

/// Runs every stage but the write, and keeps nothing: what `check` needs.
pub fn check(options: &Options) -> Result<Generated, Error> {
    let prepared = prepare_covered(options, None, false, None)?;
    render_prepared(prepared, Output::discard()).map(|(generated, _)| generated)
}

/// [`check`], with what its findings looked at, for the reports that list the checks
/// that passed as well as those that failed. Fails on its own only when the handbook could
/// not be read far enough to know its records and pages.
pub fn check_covered(options: &Options) -> Result<(Result<Generated, Error>, Coverage), Error> {
    let mut coverage = Coverage::default();
    let prepared = prepare_covered(options, None, false, Some(&mut coverage))?;
    let checked = render_prepared(prepared, Output::discard()).map(|(generated, _)| generated);
    Ok((checked, coverage))
}

/// The first three stages: load, validate, compute; the handbook as the audience the
/// options select sees it, with the whole handbook's errors and findings.
fn prepare(options: &Options, loads: Option<&mut Loads>) -> Result<Prepared, Error> {
    prepare_covered(options, loads, true, None)
}

/// [`prepare`]: the whole handbook unless `for_audience`, and what the findings looked at
/// put in `cover`, which only `check` lists: it copies a name for every record and page.
fn prepare_covered(
    options: &Options,
    loads: Option<&mut Loads>,
    for_audience: bool,
    cover: Option<&mut Coverage>,
) -> Result<Prepared, Error> {
    check_root(&options.root)?;
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
    let source = Disk::new(&options.root);
    prepare_from(
        &source,
        options,
        epoch.as_deref(),
        loads,
        for_audience,
        cover,
    )
}

/// [`prepare_covered`] for the handbook in `source`, as of `epoch` (see [`generate_from`]).
fn prepare_from(
    source: &dyn Source,
    options: &Options,
    epoch: Option<&str>,
    loads: Option<&mut Loads>,
    for_audience: bool,
    cover: Option<&mut Coverage>,
) -> Result<Prepared, Error> {
    // The changes a watcher told are taken where the files are read: a build that stops
    // before (handbook.yaml unreadable) leaves them to the next, which would otherwise
    // take the files changed meanwhile from the cache, unread.
    let (kept_pages, kept_records, kept_derived, pending, kept_history) = match loads {
        Some(loads) => (
            Some(&mut loads.pages),
            Some(&mut loads.records),
            Some(&loads.derived),
            Some(&mut loads.changes),
            Some(&mut loads.history),
        ),
        None => (None, None, None, None, None),
    };
    // handbook.yaml sets the limit for the other files, so it is held to the default.
    let config_file = source::required_text(source, "handbook.yaml", source::MAX_FILE_BYTES)
        .map_err(|d| Error::Invalid(vec![d]))?;
    // A setting that does not load is reported and left at its default, so the rest of
    // the handbook is still checked and its errors reported with it.
    let (mut config, config_diags) = Config::load_with_defaults(&config_file);
    let policy_unknown = !config_diags.is_empty();
    // A setting with no value that must have one is told once, by its error, which gives
    // the same hint.
    let line = |d: &Diagnostic| config_file.line_col(d.span.start).0;
    let config_comments: Vec<Diagnostic> =
        yaml::comments_for_values(&config_file, 0..config_file.text.len())
            .into_iter()
            .filter(|w| !config_diags.iter().any(|e| line(e) == line(w)))
            .collect();
    if let Some(url) = &options.base_url {
        if let Some(why) = crate::model::links::base_problem(url) {
            return Err(Error::Usage(format!(
                "--base-url `{url}` {why}: {}",
                crate::load::config::BASE_URL_HINT
            )));
        }
        config.base_url = url.clone();
    }
    let as_of = date::resolve_as_of(options.as_of, config.as_of, epoch, config.timezone)
        .map_err(Error::Usage)?;

    // The git repository that holds the handbook is found from its folder on disk; a
    // handbook held elsewhere (in memory, at a revision) has none.
    let folder = source.path("");
    let baseline = match &options.baseline {
        Some(rev) => Some(baseline::load(
            folder.as_deref(),
            rev,
            config.limits.max_file_bytes(),
        )?),
        None => None,
    };

    // The records' history is read from git while the handbook's files are read.
    let history_kept = kept_history.as_deref().and_then(Option::clone);
    let reading = (options.history || config.history.enabled).then(|| {
        let (root, config, file) = (folder.clone(), config.clone(), Arc::clone(&config_file));
        let kept = history_kept.clone();
        std::thread::Builder::new()
            .name("history".into())
            .spawn(move || crate::load::history::load(root.as_deref(), &config, &file, kept))
            .ok()
    });

    let mut diags = config_diags;
    let max_bytes = config.limits.max_file_bytes();
    // Before the pages: their headings' ids yield to those of the templates they are shown in.
    let (theme, theme_diags) = Theme::load(source, &config.theme, max_bytes);
    let pages = content::Reading {
        drafts: options.drafts,
        allow_html: config.markdown.allow_html,
        theme_ids: &TemplateIds::of_theme(&theme.templates),
    };
    let changes = pending.and_then(Option::take);
    let (content, content_diags) =
        content::load(source, pages, max_bytes, kept_pages, changes.as_ref());
    diags.extend(content_diags);
    let (records, record_diags) = records::load(
        source,
        &config,
        &content.page_names(),
        kept_records,
        changes.as_ref(),
    );
    diags.extend(record_diags);
    // The records' and data/people.yaml's are among the records' diagnostics.
    diags.extend(source::unseen(&config_file, false));
    diags.extend(config_comments);
    diags.extend(content.pages.iter().flat_map(|p| p.told.iter().cloned()));
    let changes = reading.and_then(|thread| {
        // A thread that could not start, or stopped, leaves the reading to this one.
        let (changes, warning) = thread.and_then(|t| t.join().ok()).unwrap_or_else(|| {
            crate::load::history::load(folder.as_deref(), &config, &config_file, history_kept)
        });
        diags.extend(warning);
        changes
    });
    if let Some(kept) = kept_history {
        kept.clone_from(&changes);
    }
    // A theme problem with no file of its own is about the `theme` setting.
    diags.extend(theme_diags.into_iter().map(|d| match d.file {
        Some(_) => d,
        None => d.at(&config_file, theme_span(&config_file)),
    }));

    let found = source.walk("static", source::Hidden::Copied);
    diags.extend(found.diags);
    let mut files = Vec::with_capacity(found.files.len());
    for file in found.files {
        match source::copied(source, &format!("static/{}", file.rel)) {
            Ok(body) => files.push(OutputFile {
                path: file.rel,
                body,
            }),
            Err(d) => diags.push(d),
        }
    }
    files.extend(content.assets.iter().map(|a| OutputFile {
        path: a.to.clone(),
        body: a.body.clone(),
    }));
    files.extend(static_files(&theme));
    let reader = match for_audience {
        true => match view::select(&config, options.audience.as_deref()) {
            Ok(reader) => reader,
            // An audience of a handbook.yaml that does not load is no unknown one: it may
            // be defined where the file went wrong, whose errors are the build's.
            Err(_) if policy_unknown => return Err(Error::Invalid(finish(diags))),
            Err(unknown) => return Err(Error::Usage(unknown)),
        },
        false => None,
    };
    let audience = reader.as_ref().map(|r| r.name.to_string());
    let baseline = baseline.map(|b| {
        diags.extend(b.warnings(&records.exceptions));
        baseline::follow_renames(b, &records.exceptions)
    });
    let view_baseline =
        (reader.as_ref()).and_then(|r| view::readable_baseline(baseline.as_ref()?, &config, r));
    let view = reader.map(|r| {
        let view = View::of(&r, &config, &content, &records);
        let past = (changes.as_deref()).map(|c| Past::of(c, &config, &r, (&view, &records)));
        (view, r.redact.to_vec(), past.unwrap_or_default())
    });
    let (handbook, more) = assemble(
        config,
        policy_unknown,
        as_of,
        options.strict,
        Git {
            baseline: baseline.as_ref(),
            history: changes.as_deref(),
        },
        (content, records, kept_derived),
        &files,
    );
    if let Some(coverage) = cover {
        *coverage = Coverage::of(
            &findings::Inputs {
                handbook: &handbook,
                strict: options.strict,
                baseline: baseline.as_ref(),
            },
            !policy_unknown,
        );
    }
    diags.extend(more);
    // The findings measure the records against the policy handbook.yaml sets; with parts
    // of it at their defaults they would report what is not so.
    let found = match policy_unknown {
        true if !handbook.findings.is_empty() => {
            diags.push(Diagnostic::warning(format!(
                "{} finding(s) are not reported while handbook.yaml, which sets the \
                 policy they measure, has errors",
                handbook.findings.len()
            )));
            Vec::new()
        }
        true => Vec::new(),
        false => handbook.findings.clone(),
    };
    let identity = handbook.config.identity_warning(&config_file);
    let mut handbook = viewed(
        handbook,
        view,
        options.strict,
        (baseline.as_ref(), view_baseline.as_ref()),
        &mut files,
    );
    handbook.audience = audience;
    let prepared = Prepared {
        handbook,
        theme,
        files,
        diags,
        found,
        warn_findings: true,
        identity,
    };
    Ok(prepared)
}

/// The audience `options` select, from handbook.yaml alone: what a command that goes on
/// running (`serve`) checks before it starts, since an audience handbook.yaml does not
/// define is the command's mistake, not the handbook's. `None` for the whole handbook.
pub fn audience(options: &Options) -> Result<Option<String>, Error> {
    check_root(&options.root)?;
    let file = source::required_text(
        &Disk::new(&options.root),
        "handbook.yaml",
        source::MAX_FILE_BYTES,
    )
    .map_err(|d| Error::Invalid(vec![d]))?;
    let (config, config_diags) = Config::load_with_defaults(&file);
    match view::select(&config, options.audience.as_deref()) {
        Ok(reader) => Ok(reader.map(|r| r.name.to_string())),
        // Asked of a handbook.yaml that does not load, which the build then reports.
        Err(_) if !config_diags.is_empty() => Ok(options.audience.clone()),
        Err(unknown) => Err(Error::Usage(unknown)),
    }
}

/// Refuses a `root` that is not a handbook folder, or cannot be read.
pub fn check_root(root: &Path) -> Result<(), Error> {
    if !root.is_dir() {
        return Err(Error::Usage(format!("{} is not a folder", root.display())));
    }
    let config = root.join("handbook.yaml");
    match std::fs::metadata(&config) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(_) => Err(Error::Usage(format!(
            "{} is not a file: a handbook's settings are a YAML file",
            config.display()
        ))),
        Err(_) if config.is_symlink() => Err(Error::Usage(format!(
            "{} is a symbolic link to nothing, or a loop of links: a handbook's settings are \
             a YAML file",
            config.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A folder of a handbook is no place to start another.
            let above = std::fs::canonicalize(root)
                .ok()
                .and_then(|folder| find_handbook(&folder).map(Path::to_path_buf));
            let advice = match above {
                Some(handbook) => {
                    format!(", and it is inside the handbook at {}", handbook.display())
                }
                None => " (run `secbook init` to start one)".to_string(),
            };
            Err(Error::Usage(format!(
                "{} is not a handbook: it has no handbook.yaml{advice}",
                root.display()
            )))
        }
        Err(e) => Err(Error::io(&config, e)),
    }
}

/// The nearest of `folder` and the folders above it that holds handbook.yaml, as Cargo
/// finds Cargo.toml: the handbook a command run in `folder` without DIR is about. `folder`
/// is absolute, so that every folder above it is looked in. A folder named handbook.yaml
/// (a section of content/) is passed by; anything else of that name is found, a link to
/// nothing or a loop of links too, and the load tells what is wrong with it: passing over
/// it would check a handbook above, and a CI job would pass on that one.
pub fn find_handbook(folder: &Path) -> Option<&Path> {
    folder.ancestors().find(|dir| {
        let file = dir.join("handbook.yaml");
        file.symlink_metadata().is_ok() && !file.metadata().is_ok_and(|m| m.is_dir())
    })
}

/// What git says about the records: how they were at the baseline revision (`--baseline`),
/// and the commits that changed them (SPEC 14).
#[derive(Default, Clone, Copy)]
struct Git<'a> {
    baseline: Baseline<'a>,
    history: Option<&'a Changes>,
}

/// The exceptions as they were at the baseline revision, by id.
type Baseline<'a> =
    Option<&'a std::collections::BTreeMap<String, crate::model::exception::Exception>>;

/// Validate and compute, once everything is loaded: the site's sections and links (which
/// may name the `files` copied as they are), the records' history, the findings, the
/// metrics; what is derived from each record taken from what was `kept` where nothing it
/// reads changed.
fn assemble(
    config: Config,
    config_has_errors: bool,
    as_of: Date,
    strict: bool,
    git: Git,
    (content, records, kept): (content::Content, records::Records, Option<&Derived>),
    files: &[OutputFile],
) -> (Handbook, Vec<Diagnostic>) {
    let mut diags =
        audience::check_classified(&config, config_has_errors, &content.pages, &records);
    let known_files: BTreeSet<String> = files.iter().map(|f| f.path.clone()).collect();
    let links = kept.map(|k| &k.links);
    let (site, site_diags) =
        Site::assemble(content, &records, known_files, &config.markdown, links);
    diags.extend(site_diags);

    let mut handbook = Handbook::derive(config, as_of, site, records, kept.map(|k| &k.facts));
    handbook.history = git
        .history
        .map(|changes| history::derive(changes, &handbook.config, &handbook.records));
    let inputs = findings::Inputs {
        handbook: &handbook,
        strict,
        baseline: git.baseline,
    };
    handbook.findings = findings::compute_kept(&inputs, kept.map(|k| &k.findings));
    (handbook, diags)
}

/// The handbook to render for an audience's `view`, the fields it redacts and what it may
/// not read of the records' past: `whole` (which [`assemble`] made) when the view leaves
/// nothing out and redacts nothing, else the view's own, which [`assemble_view`] makes.
/// `files` lose those the view hides. `baseline` is the whole's, `own_baseline` the
/// view's when it may not read all of it.
fn viewed(
    mut whole: Handbook,
    view: Option<(View, Vec<String>, Past)>,
    strict: bool,
    (baseline, own_baseline): (Baseline<'_>, Baseline<'_>),
    files: &mut Vec<OutputFile>,
) -> Handbook {
    match view {
        Some((view, redact, mut past))
            if !view.shows_all()
                || !redact.is_empty()
                || !past.reads_all()
                || own_baseline.is_some() =>
        {
            let baseline = own_baseline.or(baseline);
            files.retain(|f| !view.hidden_files.contains(&f.path));
            let config = whole.config.clone();
            let as_of = whole.as_of;
            let history = whole.history.take();
            // What git gives may name anything of the whole handbook, now or before.
            let mut hidden = match history {
                Some(_) => view::hidden_texts(&whole.records, &whole.site.pages, &view),
                None => Vec::new(),
            };
            hidden.append(&mut past.hidden);
            drop(whole);
            let whole = (config, as_of, strict, baseline, history);
            assemble_view(view, &redact, (&hidden, &past), whole, files)
        }
        _ => whole,
    }
}

/// The handbook as `view` shows it, from what it holds alone: assembled, derived, the
/// whole's history kept to its records, its findings computed; then the fields in `redact`
/// redacted, the findings and the history scrubbed of what it may not read (the redacted
/// values, now and in the `past`, and with history the texts of the whole handbook it does
/// not see, `unseen`, which holds the past's), and what is computed from text (the
/// metrics) computed again. The view's links are the whole handbook's, less those to what
/// it hides, which were checked with the whole.
fn assemble_view(
    view: View,
    redact: &[String],
    (unseen, past): (&[String], &Past),
    (config, as_of, strict, baseline, history): (Config, Date, bool, Baseline, Option<History>),
    files: &[OutputFile],
) -> Handbook {
    let View {
        content,
        records,
        hidden,
        ..
    } = view;
    let known_files: BTreeSet<String> = files.iter().map(|f| f.path.clone()).collect();
    let (site, _) = Site::assemble_view(content, &records, known_files, &config.markdown, hidden);
    let mut handbook = Handbook::derive(config, as_of, site, records, None);
    handbook.history = history.map(|h| view::history_of(h, &handbook.records));
    let mut found = findings::compute(&findings::Inputs {
        handbook: &handbook,
        strict,
        baseline,
    });
    let Handbook {
        config,
        site,
        mut records,
        mut history,
        ..
    } = handbook;
    view::redact_findings(&mut found, redact);
    let mut removed = view::redact(&mut records, redact);
    removed.extend(past.redacted.iter().cloned());
    // A finding may quote a redacted field of its record or, made from the history, a
    // commit, which may name anything.
    let unreadable = Unreadable::new(&removed, unseen, &records, &site.pages);
    for f in &mut found {
        if let Some(message) = unreadable.scrub(&f.message) {
            Arc::make_mut(f).message = message;
        }
    }
    if let Some(history) = &mut history {
        view::redact_history(history, redact, &unreadable, past);
    }
    let mut handbook = Handbook::derive(config, as_of, site, records, None);
    handbook.findings = found;
    handbook.history = history;
    handbook
}

/// Runs load, validate and compute, and nothing else: the handbook for the commands that
/// read it without a site (`report`, `notify`, `export`), and its findings and warnings.
/// Fails when the handbook has errors, which are told without the findings. A finding
/// raised to an error
/// (`deny`) gates `check` and `build`, not these: an expired exception made an error is
/// what the weekly report is for.
pub fn load_handbook(options: &Options) -> Result<(Handbook, Vec<Diagnostic>), Error> {
    let Prepared {
        handbook,
        diags,
        found,
        identity,
        ..
    } = prepare(options, None)?;
    if has_error(&diags, &[]) {
        return Err(Error::Invalid(finish(diags)));
    }
    let mut diags = with_findings(diags, &found);
    diags.extend(identity);
    Ok((handbook, finish(diags)))
}

/// The theme's static files, as files of the site.
fn static_files(theme: &Theme) -> impl Iterator<Item = OutputFile> + '_ {
    theme.statics.iter().map(|(path, body)| OutputFile {
        path: path.clone(),
        body: body.clone(),
    })
}

/// The handbook after load, validate and compute, with what rendering needs besides it:
/// the theme, the files copied as they are, and every problem found so far.
struct Prepared {
    pub handbook: Handbook,
    pub theme: Theme,
    pub files: Vec<OutputFile>,
    pub diags: Vec<Diagnostic>,
    /// The whole handbook's findings to report, which are made diagnostics (after `diags`)
    /// only where they are reported: see [`with_findings`].
    pub found: Vec<Arc<Finding>>,
    /// Whether a build that succeeds lists the findings among its warnings.
    pub warn_findings: bool,
    /// The warning of a handbook without `id` ([`crate::load::config::Config::identity_warning`]),
    /// kept for a build without errors: one that fails writes no identifier.
    pub identity: Option<Diagnostic>,
}

/// The render stage into `out`, then the checks of what was rendered.
fn render_prepared(prepared: Prepared, out: Output) -> Result<(Generated, Finished), Error> {
    let Prepared {
        handbook,
        theme,
        files,
        diags,
        found,
        warn_findings,
        identity,
    } = prepared;
    let valid = !has_error(&diags, &found);
    // A build that fails lists the findings wherever they are found: `finish` sorts them
    // in among the rest.
    let listed = warn_findings || !valid;
    let mut diags = match listed {
        true => with_findings(diags, &found),
        false => diags,
    };
    diags.extend(render_site(&handbook, &theme, files, valid, &out));
    let mut finished = out.finish()?;
    diags.append(&mut finished.diags);
    let search_index_bytes = finished.size_of(search::INDEX_PATH).unwrap_or(0);
    if search_index_bytes > search::WARN_BYTES {
        diags.push(Diagnostic::warning(format!(
            "the search index is {:.1} MB, above {} MB: the search page will load slowly",
            search_index_bytes as f64 / 1e6,
            search::WARN_BYTES / 1024 / 1024
        )));
    }
    if diags.iter().any(|d| d.level == Level::Error) {
        if !listed {
            diags = with_findings(diags, &found);
        }
        return Err(Error::Invalid(finish(diags)));
    }
    diags.extend(identity);
    let generated = Generated {
        files: Vec::new(),
        file_count: finished.count(),
        warnings: finish(diags),
        as_of: handbook.as_of,
        search_index_bytes,
        pages: handbook.site.reading_order.len(),
        reused: finished.reused,
        findings: handbook.findings,
        unlisted: if listed { Vec::new() } else { found },
        audience: handbook.audience,
    };
    Ok((generated, finished))
}

/// The render stage: `files` (the files copied as they are), every page and file of
/// `handbook` in `theme`, then the sitemap, all put into `out`.
///
/// Only a `valid` handbook is rendered: one where the earlier stages found no error, and
/// whose own files' paths (pages, records, copied files) are all fit to write. The
/// pages, metrics and charts may assume what validation guarantees (an incident's
/// lifecycle runs forwards, so its durations are not negative), and a build with errors
/// writes nothing anyway. The paths are checked, the templates compiled and what
/// rendering would report of the handbook's inputs looked for all the same
/// ([`render::unrendered_errors`]), so that their errors are reported together with the
/// handbook's.
fn render_site(
    handbook: &Handbook,
    theme: &Theme,
    files: Vec<OutputFile>,
    valid: bool,
    out: &Output,
) -> Vec<Diagnostic> {
    let mut diags = out.claim(handbook, &files);
    let claimed = diags.is_empty();
    let valid = valid && claimed;
    if valid {
        out.put_all(files);
    }
    let globals = globals(handbook);
    match out.renderer(theme, globals) {
        Ok(renderer) if valid => {
            diags.extend(render::render_all(handbook, &renderer, out));
            out.put_all(out.sitemap(&handbook.config.base_url));
        }
        Ok(renderer) => {
            diags.extend(render::unrendered_errors(handbook, &renderer, out));
            if theme.has_own_templates() {
                diags.push(Diagnostic::warning(
                    "the handbook's own templates are not rendered while it has errors: an \
                     error a template gives only as it renders (a variable it is not given, a \
                     block its parent lacks) shows once those above are mended",
                ));
            }
        }
        Err(template_diags) => diags.extend(template_diags),
    }
    diags
}

/// Whether `diags` or the findings `found` hold an error.
fn has_error(diags: &[Diagnostic], found: &[Arc<Finding>]) -> bool {
    diags.iter().any(|d| d.level == Level::Error)
        || found.iter().any(|f| f.level == LintLevel::Deny)
}

/// `diags` with a diagnostic of each finding in `found` after them. A large register has a
/// finding for most of its records, each copied into its own diagnostic: split between the
/// cores, as the findings were made.
fn with_findings(mut diags: Vec<Diagnostic>, found: &[Arc<Finding>]) -> Vec<Diagnostic> {
    diags.par_extend(found.par_iter().map(|f| f.to_diagnostic()));
    diags
}

/// Sorts the diagnostics and drops repeats: an error in a shared template would otherwise
/// be reported once for every page that uses it.
fn finish(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diagnostics::sort(&mut diags);
    diags.dedup_by(|a, b| {
        a.message == b.message
            && a.span == b.span
            && a.file.as_ref().map(|f| &f.name) == b.file.as_ref().map(|f| &f.name)
    });
    diags
}

fn theme_span(config: &SourceFile) -> std::ops::Range<usize> {
    yaml::locate(config, &[yaml::Seg::Key("theme")]).map_or(0..0, |p| p.value)
}

#[derive(Serialize)]
struct SiteView<'a> {
    title: &'a str,
    language: &'a str,
    description: &'a str,
    base_url: &'a str,
    as_of: Date,
    /// Whose view the site is, for every page's footer (SPEC 12); `None` for the whole
    /// handbook, which the footer names when `audiences` tells it from the audiences' views.
    audience: Option<&'a str>,
    audiences: bool,
}

#[derive(Serialize)]
struct PolicyRow {
    severity: &'static str,
    business: Option<&'static str>,
    security: Option<&'static str>,
    max_days: u32,
}

/// Values every template sees, set once for the whole site. The configuration shapes
/// pages beyond them (whether Markdown may hold HTML, say), so it is part of their
/// fingerprint too.
fn globals(handbook: &Handbook) -> Values<'_> {
    let config = &handbook.config;
    let policy: Vec<PolicyRow> = config
        .exceptions
        .policy
        .iter()
        .map(|(severity, rule)| PolicyRow {
            severity: severity.as_str(),
            business: rule.business.map(|l| l.as_str()),
            security: rule.security.map(|l| l.as_str()),
            max_days: rule.max_days,
        })
        .collect();
    let mut globals = Values::default();
    globals.depend_on(&format!("{config:?}"));
    globals.insert_owned(
        "site",
        SiteView {
            title: &config.title,
            language: &config.language,
            description: &config.description,
            base_url: &config.base_url,
            as_of: handbook.as_of,
            audience: handbook.audience.as_deref(),
            audiences: !config.audiences.is_empty(),
        },
    );
    globals.insert("nav", &handbook.site.nav);
    globals.insert_owned("menu", render::menu());
    globals.insert_owned("policy", policy);
    globals
}
