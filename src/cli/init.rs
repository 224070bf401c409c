//! `secbook init`: a new handbook with the starter content.
//!
//! The starter content is the repository's own handbook.yaml, content/ and data/, embedded
//! in the binary (the default theme is built in already, so themes/ is not copied).

use std::borrow::Cow;
use std::fs;
use std::path::{Path, PathBuf};

use include_dir::{Dir, DirEntry, include_dir};
use uuid::Uuid;

use crate::cli::Done;
use crate::diagnostics::Error;
use crate::load::config::Config;
use crate::load::disk::{built_site_holding, resolve};
use crate::model::date::{self, Date};
use crate::pipeline;
use crate::write::sources;

static CONTENT: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/content");
static DATA: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/data");
const HANDBOOK_YAML: &str = include_str!("../../handbook.yaml");

/// Written above `as_of` in a new handbook's handbook.yaml.
const AS_OF_COMMENT: &str = "\
# The fixed as-of date keeps the example site the same on every build. Remove this line
# once you replace the example records, so that states are computed against today.
";

/// `secbook init`: writes the starter into `dir` (see [`init`]) and says how to build it.
pub fn run(dir: &Path, force: bool, starter: Starter) -> Result<Done, Error> {
    let done = init(dir, force, starter)?;
    Ok(Done::said(format!(
        "wrote a new handbook with the starter content into {} ({} files); \
         build it with `secbook build {}`",
        dir.display(),
        done.files,
        crate::cli::shell_word(dir)
    )))
}

/// What `init` wrote.
pub struct Initialised {
    pub files: usize,
}

/// Writes a new handbook with the starter content into `dir`, which must not exist or be
/// empty (files whose names start with `.`, such as `.git`, do not count) unless `force`.
/// With `force`, starter files replace files of the same name; other files are kept.
/// Without `examples`, see [`Starter::Bare`].
pub fn init(dir: &Path, force: bool, starter: Starter) -> Result<Initialised, Error> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{} exists and is not a folder",
            dir.display()
        )));
    }
    if dir.is_dir() && !force {
        let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut visible = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with('.') {
                visible.push(name);
            }
        }
        if !visible.is_empty() {
            visible.sort();
            return Err(Error::Usage(format!(
                "{} is not empty (it holds {}); choose an empty folder, or pass --force to write \
                 the starter handbook into it, replacing files of the same name",
                dir.display(),
                list(&visible)
            )));
        }
    }
    // A handbook inside another's sources would be read, or published, as the other's; one
    // inside a site secbook built would go with the next build, which replaces it whole.
    let target = resolve(dir)?;
    if let Some(outer) = target.parent().and_then(pipeline::find_handbook)
        && let Some(why) = sources::clash(outer, &target)?
    {
        return Err(Error::Usage(format!(
            "{} {why} (the handbook at {}); start the new handbook outside it",
            dir.display(),
            outer.display()
        )));
    }
    if let Some(site) = built_site_holding(&target) {
        return Err(Error::Usage(format!(
            "{} is inside {}, a site secbook built, which its next build replaces whole; \
             start the new handbook outside it",
            dir.display(),
            site.display()
        )));
    }
    let mut files: Vec<(PathBuf, Cow<[u8]>)> = Vec::new();
    collect(&CONTENT, Path::new("content"), &mut files);
    if starter == Starter::Bare {
        let review_by = bare_review_by()?;
        for (_, bytes) in &mut files {
            if let Ok(text) = std::str::from_utf8(bytes) {
                *bytes = Cow::Owned(with_review_by(text, review_by).into_bytes());
            }
        }
    } else {
        collect(&DATA, Path::new("data"), &mut files);
    }
    let handbook = starter_handbook_yaml(new_handbook_id()?, starter);
    files.push((
        PathBuf::from("handbook.yaml"),
        Cow::Owned(handbook.into_bytes()),
    ));
    for (rel, bytes) in &files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            sources::refuse_outside(dir, parent)?;
            sources::make_folder(parent)?;
        }
        sources::replace(&path, bytes)?;
    }
    add_gitignore(dir)?;
    Ok(Initialised {
        files: files.len() + 1,
    })
}

/// "a", "a and b", "a, b and 2 more".
fn list(names: &[String]) -> String {
    match names {
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [a, b, rest @ ..] => format!("{a}, {b} and {} more", rest.len()),
        [] => String::new(),
    }
}

fn collect<'a>(dir: &'a Dir<'a>, prefix: &Path, out: &mut Vec<(PathBuf, Cow<'a, [u8]>)>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(sub) => collect(sub, prefix, out),
            DirEntry::File(file) => out.push((prefix.join(file.path()), file.contents().into())),
        }
    }
}

/// What `init` writes besides the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Starter {
    /// The example records and people, and the as-of date their states are shown at.
    Examples,
    /// Pages, templates and policy only (`init --no-examples`): no records, no people, no
    /// fixed as-of date and no example figures, and each page due for review a year after
    /// the day of `init`, so that the handbook checks without a warning until then.
    Bare,
}

/// The top-level keys of handbook.yaml that hold example values: left out of a bare
/// starter.
const EXAMPLE_KEYS: [&str; 2] = ["as_of", "metrics"];

/// How long a bare starter's pages stay current.
const REVIEW_DAYS: i64 = 365;

/// The review date of a bare starter's pages: [`REVIEW_DAYS`] after today, as a build
/// without `as_of` resolves today.
fn bare_review_by() -> Result<Date, Error> {
    let config = Config::load(&crate::diagnostics::SourceFile::new(
        "handbook.yaml",
        HANDBOOK_YAML,
    ))
    .map_err(|_| Error::Usage("the starter handbook.yaml does not load".into()))?;
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
    let today =
        date::resolve_as_of(None, None, epoch.as_deref(), config.timezone).map_err(Error::Usage)?;
    Ok(today.add_days(REVIEW_DAYS))
}

/// A page's text with the `review_by` of its front matter, if it has one, set to `date`.
fn with_review_by(text: &str, date: Date) -> String {
    let Some((front, _)) = crate::load::content::split_front_matter(text) else {
        return text.to_string();
    };
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if front.contains(&at) && line.starts_with("review_by:") {
            out.push_str(&format!("review_by: {date}\n"));
        } else {
            out.push_str(line);
        }
        at += line.len();
    }
    out
}

/// A new random (v4) UUID, the `id` of a new handbook: unique to it, so that its feeds,
/// calendar and OSCAL export share no identifier with another handbook's.
fn new_handbook_id() -> Result<Uuid, Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        Error::Usage(format!(
            "the system gave no random bytes for the new handbook's id: {e}"
        ))
    })?;
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid())
}

/// The repository's handbook.yaml with `id` as its id, and a comment above `as_of` telling
/// the team to remove it once the example records are gone; for a bare starter, without
/// the [`EXAMPLE_KEYS`].
pub fn starter_handbook_yaml(id: Uuid, starter: Starter) -> String {
    let mut out = String::with_capacity(HANDBOOK_YAML.len() + AS_OF_COMMENT.len());
    let mut skipping = false;
    for line in HANDBOOK_YAML.split_inclusive('\n') {
        if !line.starts_with([' ', '#', '\n']) {
            skipping = starter == Starter::Bare
                && EXAMPLE_KEYS.iter().any(|key| {
                    line.strip_prefix(key)
                        .is_some_and(|rest| rest.starts_with(':'))
                });
        }
        if skipping {
            continue;
        }
        if line.starts_with("as_of:") {
            out.push_str(AS_OF_COMMENT);
        }
        if line.starts_with("id:") {
            out.push_str(&format!("id: {id}\n"));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// What a handbook's repository keeps out: what secbook writes, each with the comment
/// written above it and the lines already there that keep it out.
const IGNORED: [(&str, &str, &[&str]); 2] = [
    (
        "# The built site: `secbook build` writes it; CI publishes it.",
        "public/",
        &["public/", "/public/", "public", "/public"],
    ),
    (
        "# Held while a build or `new` or `import` writes; one a killed command left can go.",
        ".*.secbook-lock",
        &[".*.secbook-lock", "/.*.secbook-lock"],
    ),
];

/// Writes `.gitignore` with the [`IGNORED`] lines, or adds those missing to the one already
/// there. One that is a link is left as it is: it is a file shared with something else.
fn add_gitignore(dir: &Path) -> Result<(), Error> {
    let path = dir.join(".gitignore");
    if fs::symlink_metadata(&path).is_ok_and(|m| m.is_symlink()) {
        return Ok(());
    }
    let existing = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let mut text = existing.clone();
    for (comment, line, kept_by) in IGNORED {
        if existing.lines().any(|l| kept_by.contains(&l.trim())) {
            continue;
        }
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&format!("{comment}\n{line}\n"));
    }
    match text == existing {
        true => Ok(()),
        false => sources::replace(&path, text.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_handbook_keeps_as_of_under_a_comment() {
        let text = starter_handbook_yaml(Uuid::nil(), Starter::Examples);
        let at = text.find("\nas_of:").expect("as_of is kept");
        assert!(text[..at].ends_with("so that states are computed against today."));
    }

    #[test]
    fn a_bare_starter_leaves_out_the_example_values_and_moves_only_front_matter() {
        let text = starter_handbook_yaml(new_handbook_id().unwrap(), Starter::Bare);
        let config = Config::load(&crate::diagnostics::SourceFile::new(
            "handbook.yaml",
            &*text,
        ))
        .unwrap();
        assert_eq!(config.as_of, None);
        assert!(!text.contains("open_risks"), "{text}");
        assert!(text.contains("\n  policy:\n"), "{text}");
        let day = Date::parse("2027-01-31").unwrap();
        assert_eq!(
            with_review_by(
                "---\ntitle: A\nreview_by: 2026-12-31\n---\nreview_by: 2020-01-01\n",
                day
            ),
            "---\ntitle: A\nreview_by: 2027-01-31\n---\nreview_by: 2020-01-01\n"
        );
    }

    #[test]
    fn the_starter_handbook_has_the_new_id_in_place_of_the_example_one() {
        let id = new_handbook_id().unwrap();
        assert_eq!(id.get_version_num(), 4);
        assert_ne!(id, new_handbook_id().unwrap());
        let text = starter_handbook_yaml(id, Starter::Examples);
        let config =
            Config::load(&crate::diagnostics::SourceFile::new("handbook.yaml", text)).unwrap();
        assert_eq!(config.id, Some(id));
        let example = Config::load(&crate::diagnostics::SourceFile::new(
            "handbook.yaml",
            HANDBOOK_YAML,
        ))
        .unwrap();
        assert!(
            example.id.is_some_and(|e| e != id),
            "the example has an id of its own"
        );
    }
}
