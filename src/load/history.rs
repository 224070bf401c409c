//! The commits that changed the record files, and each version of those files, read from
//! git's object database (SPEC 14). What they show is derived in `derive::history`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use gix::ObjectId;
use serde_yaml::{Mapping, Value};

use super::config::Config;
use super::git::{Change, Log, Repo, Unavailable};
use super::kept_history::{self, Kept};
use super::records::Records;
use super::source;
use super::yaml::{self, Seg};
use crate::diagnostics::{Diagnostic, Error, SourceFile};

/// The record folders whose files have a history, in the order [`super::git::Change::folder`]
/// counts them.
pub const FOLDERS: [&str; 2] = ["data/exceptions", "data/incidents"];

/// The commits that changed the record folders, and what every version of their record
/// files reads as.
pub struct Changes {
    pub log: Log,
    pub versions: HashMap<ObjectId, Version>,
    /// The HEAD they were read at, and how: while both stay, they are what a new reading
    /// would give.
    head: Option<ObjectId>,
    reading: Reading,
    /// Who the authors are ([`super::git::Commit::author_by`]), read at each build, as the
    /// work tree's `.mailmap` may change while HEAD does not.
    pub mailmap: gix::mailmap::Snapshot,
}

/// How the versions of record files are read: what is kept of a version is a function of
/// its id and this, so what was kept serves only a reading alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reading {
    /// The largest file read ([`super::config::LimitsConfig`]): a larger one is unreadable.
    pub max_bytes: u64,
    /// Whether every field is kept as its value: an audience's build scrubs its history of
    /// the texts of each version it may not read (`derive::view::Past`), so a handbook
    /// with audiences keeps them all. Else a long field whose value nothing reads is kept
    /// as its hash ([`Held::Long`]).
    pub values: bool,
}

impl Changes {
    /// The record file `name` as it is now, `text`, read as its versions in git are, to
    /// compare with them.
    pub fn read_current(&self, name: &str, text: &str) -> Version {
        Versions::new(self.reading.values).read(name, &Ok(text.to_string()))
    }
}

/// Reads the commits that changed the record folders from the git repository that holds
/// `root`. Without one, or in a shallow clone, there is no history: one warning says why,
/// at the `history` setting of handbook.yaml (`config_file`) when it is there. What an
/// earlier reading `kept` is taken as it is while HEAD has not moved.
pub fn load(
    root: Option<&Path>,
    config: &Config,
    config_file: &Arc<SourceFile>,
    kept: Option<Arc<Changes>>,
) -> (Option<Arc<Changes>>, Vec<Diagnostic>) {
    let without = |message: String, hint: &str| {
        // At the setting only where it turned history on, not where `--history` did.
        let span = yaml::locate(config_file, &[Seg::Key("history"), Seg::Key("enabled")])
            .map(|p| p.value)
            .filter(|span| config_file.text[span.clone()].trim() == "true");
        let d = Diagnostic::warning(format!("{message}: building without history"))
            .with_hint(hint.to_string());
        (
            None,
            vec![if let Some(span) = span {
                d.at(config_file, span)
            } else {
                d
            }],
        )
    };
    let Some(root) = root else {
        return without(
            "history is on, but the handbook is not a folder on disk, which git could hold".into(),
            "turn history off (`history.enabled: false`, no `--history`) for a handbook held \
             elsewhere",
        );
    };
    let mut repo = match Repo::discover(root) {
        Ok(Ok(repo)) => repo,
        Ok(Err(Unavailable::NotGit)) => {
            return without(
                format!(
                    "history is on, but {} is not in a git repository",
                    root.display()
                ),
                "commit the handbook to git, or turn history off (`history.enabled: false`, no `--history`)",
            );
        }
        Ok(Err(Unavailable::Format(why))) => {
            return without(
                format!(
                    "history is on, but secbook cannot read the repository that holds {}: {why}",
                    root.display()
                ),
                "history reads repositories in git's default format (SHA-1 objects, references \
                 in files); turn history off for this one",
            );
        }
        Ok(Err(Unavailable::Shallow(_))) => {
            return without(
                format!(
                    "history is on, but {} is in a shallow clone, whose older commits are missing",
                    root.display()
                ),
                "fetch the whole history first: `git fetch --unshallow` (in GitHub Actions, \
                 `actions/checkout` with `fetch-depth: 0`)",
            );
        }
        Err(e) => {
            return without(
                e.to_string(),
                "check that the repository is readable with `git log`",
            );
        }
    };
    let reading = Reading {
        max_bytes: config.limits.max_file_bytes(),
        values: !config.audiences.is_empty(),
    };
    let head = repo.head();
    let apart = match &head {
        Ok(Some(head)) => repo.held_apart(head, &FOLDERS),
        _ => Ok(None),
    };
    if let Ok(Some((path, kind))) = apart {
        return without(
            format!(
                "history is on, but git holds {path} as {kind}, and the history of the \
                 records there is not in the log of the handbook's folders"
            ),
            "keep data/exceptions and data/incidents as folders of the handbook's \
             repository, or turn history off",
        );
    }
    let mailmap = repo.mailmap();
    let changes = head.and_then(|head| match kept {
        Some(kept) if kept.head == head && kept.reading == reading && kept.mailmap == mailmap => {
            Ok((kept, None))
        }
        kept => read(&mut repo, root, head, reading, mailmap, kept.as_deref())
            .map(|(c, w)| (Arc::new(c), w)),
    });
    match changes {
        Ok((changes, warning)) => {
            let pointers = (changes.versions.values())
                .filter(|v| v.as_ref().err().is_some_and(|why| why == POINTER))
                .count();
            let pointed = (pointers > 0).then(|| {
                Diagnostic::warning(format!(
                    "git holds {pointers} version{} of record files as Git LFS pointers (a \
                     clean/smudge filter stores them elsewhere), which history cannot read: \
                     their changes are not shown, and no finding is raised from them",
                    if pointers == 1 { "" } else { "s" }
                ))
                .with_hint(
                    "keep data/exceptions and data/incidents out of Git LFS and other \
                     filters (`git lfs untrack`, then `git add --renormalize data`)",
                )
            });
            (Some(changes), warning.into_iter().chain(pointed).collect())
        }
        Err(e) if repo.is_partial() => without(
            e.to_string(),
            "clone the repository without `--filter` (in GitHub Actions, `actions/checkout` \
             without `filter:`), or turn history off",
        ),
        Err(e) => without(
            e.to_string(),
            "check that the repository is readable with `git log`",
        ),
    }
}

/// The record files' names in their folders, as [`super::git::Change`]s name them: the
/// exceptions', then the incidents'.
pub fn file_names(records: &Records) -> [Vec<&str>; 2] {
    fn name(file: &str) -> &str {
        file.rsplit('/').next().unwrap_or(file)
    }
    [
        records
            .exceptions
            .iter()
            .map(|e| name(&e.source.name))
            .collect(),
        records
            .incidents
            .iter()
            .map(|i| name(&i.source.name))
            .collect(),
    ]
}

/// The log, and every version of every file in it that may be a record (SPEC 1: a
/// `.yaml` file), each read once, in the order the packs store them. What a previous
/// build kept (see [`kept_history`]) is taken from there, or from `prior`, what this
/// process read last (serve's last build), when there is one; what this one learned is
/// kept for the next. The warning says why history is not kept, where it could be and is
/// not.
fn read(
    repo: &mut Repo,
    root: &Path,
    head: Option<ObjectId>,
    reading: Reading,
    mailmap: gix::mailmap::Snapshot,
    prior: Option<&Changes>,
) -> Result<(Changes, Option<Diagnostic>), Error> {
    let common_dir = repo.common_dir()?;
    let place = repo
        .immutable()
        .then(|| kept_history::file(root, &common_dir, repo.prefix(), repo.hash_kind()));
    let (file, warning) = match place {
        Some(Ok(file)) => (file, None),
        Some(Err(why)) => {
            let warning = Diagnostic::warning(format!("{why}: history is not kept between builds"))
                .with_hint(format!(
                    "point {} at a folder outside the handbook and its output, or unset it to \
                 use the user's cache folder",
                    kept_history::ENV
                ));
            (None, Some(warning))
        }
        None => (None, None),
    };
    let prior = prior.filter(|p| repo.immutable() && p.reading == reading);
    let kept = match prior {
        Some(prior) => Kept {
            commits: prior.log.known().collect(),
            versions: prior.versions.clone(),
        },
        None => file
            .as_deref()
            .and_then(|f| kept_history::read(f, reading))
            .unwrap_or_default(),
    };
    let log = repo.log(head, &FOLDERS, &kept.commits)?;
    let mut versions = kept.versions;
    let records = |c: &&Change| c.name.ends_with(".yaml") && !c.name.starts_with('.');
    // Each version not kept, and the file it is a version of.
    let files: HashMap<ObjectId, String> = log
        .changes
        .iter()
        .filter(records)
        .flat_map(|c| {
            let folder = FOLDERS.get(c.folder).copied().unwrap_or_default();
            let file = format!("{folder}/{}", c.name);
            c.files().map(move |id| (id, file.clone()))
        })
        .filter(|(id, _)| !versions.contains_key(id))
        .collect();
    // Each read as its text is, on the thread that reads it, and the text dropped: the
    // texts of a long history are never all held at once.
    let fresh = repo.texts(
        files.keys().copied().collect(),
        reading.max_bytes,
        || Versions::new(reading.values),
        |reader, id, text| {
            let text = text.map(super::source::strip_bom);
            reader.read(files.get(id).map_or("", String::as_str), &text)
        },
    )?;
    let learned = !fresh.is_empty()
        || log
            .reachable
            .iter()
            .any(|id| !kept.commits.contains_key(id));
    versions.extend(fresh);
    // Only the versions of files that commits HEAD reaches changed are kept, here and in
    // the file, so neither grows with history that was rewritten.
    let named: std::collections::HashSet<ObjectId> =
        log.changes.iter().flat_map(Change::files).collect();
    let read = versions.len();
    versions.retain(|id, _| named.contains(id));
    // Written when something was learned, or something kept is no longer reachable.
    let stale = kept.commits.len() > log.reachable.len() || versions.len() < read;
    if let (Some(file), true) = (file, learned || stale) {
        // A cache that cannot be written is no cache: the next build reads git again.
        let _ = kept_history::write(&file, &log, &versions, reading);
    }
    let changes = Changes {
        log,
        versions,
        head,
        reading,
        mailmap,
    };
    Ok((changes, warning))
}

/// One top-level field of a version of a record file: its key and what it holds.
pub type Field = Arc<(String, Held)>;

/// What a field of a version holds, as far as its history needs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Held {
    Value(Value),
    /// The hash of the text of a long field whose value is not [`valued`] (a timeline, a
    /// long list of assets): its History row says only that it changed, which a change to
    /// its layout or comments counts as. Read and kept whole, each version of a field that
    /// grows commit by commit cost time and memory with the square of its commits.
    Long(ObjectId),
}

impl Held {
    /// The value, where it is kept.
    pub fn value(&self) -> Option<&Value> {
        match self {
            Held::Value(value) => Some(value),
            Held::Long(_) => None,
        }
    }
}

/// The fields an approval decides on: changed after it, the record needs approving again.
pub const DECIDED: [&str; 5] = [
    "severity",
    "type",
    "expires",
    "risk_owner",
    "remediation_plan",
];

/// A field whose text is longer than this, unless [`valued`] or all are
/// ([`Reading::values`]), is kept as [`Held::Long`].
const LONG: usize = 4096;

/// Whether the value of the field `key` is read, not only whether it changed: by the
/// findings (what an approval decides on, the approvals, the renewals) and by the
/// audiences (the classification). Such a field is kept as its value however long.
fn valued(key: &str) -> bool {
    DECIDED.contains(&key) || ["approvals", "renewals", "classification"].contains(&key)
}

/// A field's text kept as its hash, when it is long and not [`valued`].
fn long(part: &str) -> Option<Field> {
    let (key, _) = part.split_once(':')?;
    if part.len() <= LONG || valued(key) {
        return None;
    }
    let hash = gix::objs::compute_hash(
        gix::hash::Kind::Sha1,
        gix::objs::Kind::Blob,
        part.as_bytes(),
    )
    .ok()?;
    Some(Arc::new((key.to_string(), Held::Long(hash))))
}

/// Why a version that is a Git LFS pointer file cannot be read: git holds the pointer, and
/// the file is elsewhere (a clean/smudge filter put it there).
const POINTER: &str = "the file then was a Git LFS pointer, its content kept outside git";

/// A version of a record file: its top-level fields in the order it writes them, or why
/// they cannot be read.
pub type Version = Result<Fields, String>;

/// The top-level fields of a version of a record file. A field written the same in two
/// versions is one [`Field`], shared.
#[derive(Debug, Clone, Default)]
pub struct Fields(Vec<Field>);

impl Fields {
    /// Fields as [`Fields::shared_fields`] gave them.
    pub fn shared(fields: Vec<Field>) -> Fields {
        Fields(fields)
    }

    /// The fields, each as it is shared with other versions.
    pub fn shared_fields(&self) -> &[Field] {
        &self.0
    }

    /// The value of `key`, where it is written and kept as a value.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.held(key)?.value()
    }

    pub fn held(&self, key: &str) -> Option<&Held> {
        self.field(key).map(|f| &f.1)
    }

    /// The field `key`, as it is shared between versions.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.0.iter().find(|f| f.0 == key)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Held)> {
        self.0.iter().map(|f| (f.0.as_str(), &f.1))
    }

    /// Whether `key` is written alike in both (or in neither): then it holds the same.
    pub fn written_alike(&self, other: &Fields, key: &str) -> bool {
        match (self.field(key), other.field(key)) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

/// Reads versions of record files, each top-level field's text parsed once: a commit
/// mostly changes one or two fields of a record, the others written as before, and many
/// fields (a severity, a status, a date) are written alike in many records.
#[derive(Default)]
pub struct Versions {
    /// Whether every field is kept as its value ([`Reading::values`]).
    values: bool,
    /// Each field's text, as met, and what it reads as; `None` where it does not read
    /// alone (then the version is read whole). Not the [`long`] ones, which are not read.
    fields: ahash::HashMap<Box<str>, Option<Field>>,
}

/// A version that has more fields than this not met before is read whole rather than
/// field by field: one read of a file costs less than many reads of its parts.
const WHOLE_BEYOND: usize = 3;

impl Versions {
    pub fn new(values: bool) -> Versions {
        Versions {
            values,
            ..Versions::default()
        }
    }

    /// A version of the file `name`, read through the same refusals as the handbook's own
    /// files (size, aliases, nesting). Field by field when [`fields`] can split it, the
    /// fields met before taken as they were; else whole.
    pub fn read(&mut self, name: &str, text: &Result<String, String>) -> Version {
        let text = match text {
            Ok(text) if source::is_lfs_pointer(text) => {
                return Err(POINTER.to_string());
            }
            Ok(text) => text,
            Err(why) => return Err(format!("the file then could not be read: {why}")),
        };
        let Some(parts) = fields(text) else {
            return whole(name, text);
        };
        let longs: Vec<Option<Field>> = (parts.iter())
            .map(|p| if self.values { None } else { long(p) })
            .collect();
        let new = parts
            .iter()
            .zip(&longs)
            .filter(|(p, long)| long.is_none() && !self.fields.contains_key(**p))
            .count();
        if new > WHOLE_BEYOND {
            let read = whole(name, text)?;
            // Each part is the field read in its place, when they line up.
            let lined_up = read.0.len() == parts.len()
                && parts.iter().zip(&read.0).all(|(part, field)| {
                    part.strip_prefix(field.0.as_str())
                        .is_some_and(|rest| rest.starts_with(':'))
                });
            if !lined_up {
                return Ok(read);
            }
            let shared = parts
                .iter()
                .zip(longs)
                .zip(read.0)
                .map(|((part, long), field)| {
                    if let Some(long) = long {
                        return long;
                    }
                    let known = self.fields.entry((*part).into()).or_insert(None);
                    Arc::clone(known.get_or_insert(field))
                });
            return Ok(Fields(shared.collect()));
        }
        let mut read = Vec::with_capacity(parts.len());
        for (part, long) in parts.into_iter().zip(longs) {
            let field = match long {
                Some(long) => Some(long),
                None => match self.fields.get(part) {
                    Some(known) => known.clone(),
                    None => {
                        let read = field(name, part);
                        self.fields.insert(part.into(), read.clone());
                        read
                    }
                },
            };
            match field {
                Some(f) if !read.iter().any(|r: &Field| r.0 == f.0) => read.push(f),
                // A key given twice, or a field that does not read alone: the whole file
                // says what is wrong.
                _ => return whole(name, text),
            }
        }
        Ok(Fields(read))
    }
}

/// One field's text, read alone: `None` unless it is one field with a text key.
fn field(name: &str, text: &str) -> Option<Field> {
    if let Some((key, value)) = literal_block(text) {
        return Some(Arc::new((key, Held::Value(value))));
    }
    let file = SourceFile::new(name, text);
    let mapping = yaml::parse::<Mapping>(&file, 0..text.len()).ok()?;
    let mut entries = mapping.into_iter();
    match (entries.next(), entries.next()) {
        (Some((Value::String(key), value)), None) => Some(Arc::new((key, Held::Value(value)))),
        _ => None,
    }
}

/// A field whose value is a plain literal block, as Markdown fields are written
/// (`summary: |`, then lines indented alike), read without a YAML parser: a commit that
/// edits a record's text changes such a field, and a parser's start costs more than the
/// reading. `None` for anything else (an indicator after `|`, a line of spaces, a tab or
/// a character YAML reads as a line break at the start of a line, text [`yaml::parse`]
/// refuses), which is parsed.
fn literal_block(text: &str) -> Option<(String, Value)> {
    let (head, body) = text.split_once('\n')?;
    let key = head.strip_suffix(": |")?;
    if !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        || !key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        // Keys YAML reads as something other than text.
        || ["true", "false", "null"].contains(&key.to_ascii_lowercase().as_str())
        || yaml::refused(text)
        || body.contains(['\r', '\u{85}', '\u{2028}', '\u{2029}', '\u{feff}'])
        || !body.ends_with('\n')
    {
        return None;
    }
    let lines: Vec<&str> = body[..body.len() - 1].split('\n').collect();
    let indent = lines.iter().find(|l| !l.is_empty())?;
    let indent = indent.len() - indent.trim_start_matches(' ').len();
    if indent == 0 {
        return None;
    }
    let mut out = String::with_capacity(body.len());
    let mut ended = false;
    for line in lines {
        let spaces = line.len() - line.trim_start_matches(' ').len();
        if spaces == line.len() && spaces > 0 {
            return None;
        }
        if ended || spaces == 0 && !line.is_empty() {
            // After the block: only comments and empty lines.
            ended = true;
            if !(line.is_empty() || line.starts_with('#')) {
                return None;
            }
        } else if line.is_empty() {
            out.push('\n');
        } else if spaces < indent || line[spaces..].starts_with('\t') && spaces == indent {
            return None;
        } else {
            out.push_str(&line[indent..]);
            out.push('\n');
        }
    }
    // Clipped: the last line break kept, the empty lines after it not.
    let kept = out.trim_end_matches('\n').len();
    if kept == 0 {
        return None;
    }
    out.truncate(kept + 1);
    Some((key.to_string(), Value::String(out)))
}

/// A version read whole.
fn whole(name: &str, text: &str) -> Version {
    let file = SourceFile::new(name, text);
    match yaml::parse::<Value>(&file, 0..text.len()) {
        Ok(Value::Mapping(m)) => Ok(Fields(
            m.into_iter()
                .filter_map(|(k, v)| match k {
                    Value::String(k) => Some(Arc::new((k, Held::Value(v)))),
                    _ => None,
                })
                .collect(),
        )),
        Ok(_) => Err("the file then was not a mapping of fields".into()),
        Err(d) => Err(format!("the file then did not parse: {}", d.message)),
    }
}

/// The text of each top-level field of `text`, found by its lines, not by reading it as
/// YAML: a field starts at a line that starts with `key:` (letters, digits, `_`), and runs
/// to the next; its other lines are indented, blank, comments or `- ` items. `None` for
/// any other layout (a document marker, a flow mapping, a quoted key, a tab), which is
/// read whole. Each field is then read alone, which holds it to YAML.
fn fields(text: &str) -> Option<Vec<&str>> {
    let mut starts = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let bytes = line.as_bytes();
        let key = bytes
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        let ends_item = |at: usize| matches!(bytes.get(at), None | Some(b' ' | b'\n' | b'\r'));
        let inside = !starts.is_empty();
        match bytes.first() {
            _ if line.trim().is_empty() => {}
            Some(b'#') => {}
            Some(b' ') if inside => {}
            Some(b'-') if inside && ends_item(1) => {}
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                if bytes.get(key) != Some(&b':') || !ends_item(key + 1) {
                    return None;
                }
                starts.push(at);
            }
            _ => return None,
        }
        at += line.len();
    }
    let ends = starts.iter().skip(1).copied().chain([text.len()]);
    let fields: Vec<&str> = starts.iter().zip(ends).map(|(&s, e)| &text[s..e]).collect();
    (!fields.is_empty()).then_some(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_split_into_its_fields_by_its_lines_only_when_they_are_plainly_laid_out() {
        let text = "# a comment\nid: E-1\nsummary: |\n  Two\n\n  lines.\ntags:\n- a\n- b\n# note\nrisk_owner: {name: A}\n";
        assert_eq!(
            fields(text).unwrap(),
            [
                "id: E-1\n",
                "summary: |\n  Two\n\n  lines.\n",
                "tags:\n- a\n- b\n# note\n",
                "risk_owner: {name: A}\n"
            ]
        );
        for other in [
            "---\nid: E-1\n",
            "{id: E-1}\n",
            "\"id\": E-1\n",
            "  id: E-1\n",
            "- E-1\n",
            "id:\tE-1\n",
            "id: E-1\n...\n",
            "key-with-dash: 1\n",
            "# only a comment\n",
            "",
        ] {
            assert_eq!(fields(other), None, "{other:?}");
        }
    }

    #[test]
    fn a_literal_block_read_without_a_parser_reads_as_a_parser_reads_it() {
        let parsed = |text: &str| {
            let m: Mapping = serde_yaml::from_str(text).unwrap();
            let (k, v) = m.into_iter().next().unwrap();
            (k.as_str().unwrap().to_string(), v)
        };
        for text in [
            "summary: |\n  One line.\n",
            "summary: |\n  Two\n  lines.\n",
            "summary: |\n  A paragraph.\n\n  Another, with #, - and: colons.\n\n\n",
            "remediation_plan: |\n    1. Deeper.\n      More indented.\n    2. Back.\n",
            "summary: |\n  Text.\n# a comment after it\n\n",
            "justification: |\n  Tab\tinside, and \"quotes\" and 'single' and \\ too.\n",
            "description: |\n  Unicode: é, ü, 日本, emoji 🙂.\n",
        ] {
            assert_eq!(literal_block(text), Some(parsed(text)), "{text:?}");
        }
        for other in [
            "summary: |-\n  Stripped.\n",
            "summary: |2\n  Indicated.\n",
            "summary: >\n  Folded.\n",
            "summary: |\n  Text.\n   \n  A line of spaces above.\n",
            "summary: |\n  Text.\nnot a comment\n",
            "summary: |\n  Text.\r\n",
            "summary: |\n  Control \u{7}.\n",
            "summary: |\n",
            "summary: |\n  No final line break",
            "\"summary\": |\n  Quoted key.\n",
        ] {
            assert_eq!(literal_block(other), None, "{other:?}");
        }
    }

    proptest::proptest! {
        /// Whatever a block holds, the reading without a parser is serde_yaml's reading or
        /// none at all, so a record's history never depends on which path read it.
        #[test]
        fn a_block_read_without_a_parser_is_never_read_otherwise(
            key in "[a-zA-Z_][a-zA-Z0-9_]{0,8}",
            lines in proptest::collection::vec("[ ]{0,4}[\t#:|> a-z\u{e9}\u{85}-]{0,8}", 0..6),
            end in "(\n|\r\n|)",
        ) {
            let text = format!("{key}: |\n{}{end}", lines.join("\n"));
            if let Some(read) = literal_block(&text) {
                let parsed = serde_yaml::from_str::<Mapping>(&text).ok().and_then(|m| {
                    let (k, v) = m.into_iter().next()?;
                    Some((k.as_str()?.to_string(), v))
                });
                proptest::prop_assert_eq!(Some(read), parsed, "{:?}", text);
            }
        }
    }

    /// A long field whose value nothing reads is kept as its text's hash, not its value: a
    /// timeline that grows by an entry a commit is not held whole once per commit. A field
    /// the findings read is kept as its value however long.
    #[test]
    fn a_long_field_whose_value_is_not_read_is_kept_as_its_hash() {
        let text = |timeline: usize| -> Result<String, String> {
            let list = |n: usize, key: &str| -> String {
                (0..n)
                    .map(|k| format!("  - {{{key}: entry {k} of a list long enough}}\n"))
                    .collect()
            };
            Ok(format!(
                "id: I-1\ntimeline:\n{}approvals:\n{}",
                list(timeline, "event"),
                list(100, "note")
            ))
        };
        let mut versions = Versions::default();
        let [a, b, c, short] = [text(100), text(101), text(101), text(2)]
            .map(|t| versions.read("I-1.yaml", &t).unwrap());
        assert!(matches!(a.held("timeline"), Some(Held::Long(_))));
        assert_ne!(a.held("timeline"), b.held("timeline"));
        assert_eq!(b.held("timeline"), c.held("timeline"));
        assert!(matches!(short.held("timeline"), Some(Held::Value(_))));
        let approvals = a.get("approvals").and_then(Value::as_sequence);
        assert_eq!(approvals.map(Vec::len), Some(100));
    }

    #[test]
    fn a_version_read_field_by_field_is_the_version_read_whole() {
        let texts: Vec<Result<String, String>> = [
            "id: E-1\nseverity: high\ntags: [a]\n",
            "id: E-1\nseverity: low\ntags: [a]\n",
            // A key given twice, and a field that reads only with the others: read whole.
            "id: E-1\nseverity: low\nseverity: high\n",
            "id: E-1\nsummary: \"open\nsummary: x\"\n",
            "id: E-1\ntags: [a\n",
        ]
        .into_iter()
        .map(|t| Ok(t.to_string()))
        .collect();
        let mut versions = Versions::default();
        let read: Vec<Version> = texts
            .iter()
            .map(|t| versions.read("data/exceptions/E-1.yaml", t))
            .collect();
        for (text, version) in texts.iter().zip(&read) {
            let text = text.as_ref().unwrap();
            let alone: Vec<(String, Held)> = match whole("f", text) {
                Ok(f) => f.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
                Err(e) => {
                    assert_eq!(version.as_ref().err(), Some(&e), "{text}");
                    continue;
                }
            };
            let split: Vec<(String, Held)> = version
                .as_ref()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect();
            assert_eq!(split, alone, "{text}");
        }
        // The fields written alike are shared; the field that changed is not.
        let (a, b) = (read[0].as_ref().unwrap(), read[1].as_ref().unwrap());
        assert!(a.written_alike(b, "id") && a.written_alike(b, "tags"));
        assert!(!a.written_alike(b, "severity"));
        assert!(read[2].is_err() && read[4].is_err());
    }
}
