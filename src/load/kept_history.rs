//! Records' history kept from one build to the next (SPEC 14), as Hugo keeps its cacheDir:
//! what each commit changed in the record folders, and what each version of a record file
//! reads as. Git never changes an object, so both are functions of object ids (a commit's,
//! a file's), and a build reads from git only the commits and files it has not seen.
//!
//! One file per repository and handbook folder, in the user's cache folder
//! (`$SECBOOK_CACHE_DIR`, else the platform's, see [`dirs::cache_dir`]), never in the
//! handbook or its output. A file that cannot be read, is cut short, fails its checksum or
//! is of another format is ignored and replaced; a folder that cannot be written leaves
//! the build without a cache. Neither changes what a build makes.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gix::ObjectId;
use serde::{Deserialize, Serialize};
use serde_yaml::Value;

use super::git::{Known, Log};
use super::history::{Fields, Held, Reading, Version};
use crate::load::disk::{built_site_holding, resolve};

/// The environment variable that names the cache folder.
pub const ENV: &str = "SECBOOK_CACHE_DIR";

/// The start of every cache file, then its format and the CRC-32 of what follows.
const MAGIC: &[u8; 8] = b"secbookH";

/// Changes with any change to what is kept, or how.
const FORMAT: u32 = 6;

/// What a previous build kept, by object id.
#[derive(Default)]
pub struct Kept {
    pub commits: ahash::HashMap<ObjectId, Known>,
    pub versions: HashMap<ObjectId, Version>,
}

/// The file's content: commits, then the versions, whose fields are each written once in
/// `fields` and named by their place there, so that two versions that shared a field (one
/// [`Fields`] entry, written alike) share it again when read back.
#[derive(Serialize, Deserialize)]
struct Stored {
    /// How the versions were read: another reading makes them another answer.
    reading: Reading,
    commits: Vec<(ObjectId, Known)>,
    fields: Vec<(String, KeptField)>,
    versions: Vec<(ObjectId, Result<Vec<u32>, String>)>,
}

/// A field as [`Held`] has it.
#[derive(Serialize, Deserialize)]
enum KeptField {
    Value(Data),
    Long(ObjectId),
}

/// A YAML value in a form postcard reads back (it does not describe itself, and
/// [`serde_yaml::Value`] needs a format that does).
#[derive(Serialize, Deserialize)]
enum Data {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    String(String),
    Sequence(Vec<Data>),
    Mapping(Vec<(Data, Data)>),
    Tagged(String, Box<Data>),
}

impl Data {
    fn of(value: &Value) -> Data {
        match value {
            Value::Null => Data::Null,
            Value::Bool(b) => Data::Bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), ..) => Data::Unsigned(u),
                (None, Some(i), _) => Data::Signed(i),
                (None, None, f) => Data::Float(f.unwrap_or(f64::NAN)),
            },
            Value::String(s) => Data::String(s.clone()),
            Value::Sequence(items) => Data::Sequence(items.iter().map(Data::of).collect()),
            Value::Mapping(m) => {
                Data::Mapping(m.iter().map(|(k, v)| (Data::of(k), Data::of(v))).collect())
            }
            Value::Tagged(t) => Data::Tagged(t.tag.to_string(), Box::new(Data::of(&t.value))),
        }
    }

    /// The value; `None` for what no YAML value is (an empty tag).
    fn value(self) -> Option<Value> {
        Some(match self {
            Data::Null => Value::Null,
            Data::Bool(b) => Value::Bool(b),
            Data::Unsigned(u) => Value::Number(u.into()),
            Data::Signed(i) => Value::Number(i.into()),
            Data::Float(f) => Value::Number(f.into()),
            Data::String(s) => Value::String(s),
            Data::Sequence(items) => {
                Value::Sequence(items.into_iter().map(Data::value).collect::<Option<_>>()?)
            }
            Data::Mapping(m) => Value::Mapping(
                m.into_iter()
                    .map(|(k, v)| Some((k.value()?, v.value()?)))
                    .collect::<Option<_>>()?,
            ),
            Data::Tagged(tag, value) if !tag.is_empty() => {
                Value::Tagged(Box::new(serde_yaml::value::TaggedValue {
                    tag: serde_yaml::value::Tag::new(tag),
                    value: value.value()?,
                }))
            }
            Data::Tagged(..) => return None,
        })
    }
}

/// The cache file of the handbook in `root`, `prefix` (its folder's names below the top of
/// the work tree) in the repository whose common git folder is `common_dir`; `Ok(None)`
/// where there is no cache folder or it cannot be made. A folder in what may be published,
/// the handbook (whose output is often there too) or any build's output folder, is not
/// used: the error says why, for a warning, since only `SECBOOK_CACHE_DIR` can put it there.
pub fn file(
    root: &Path,
    common_dir: &Path,
    prefix: &[Vec<u8>],
    hash: gix::hash::Kind,
) -> Result<Option<PathBuf>, String> {
    let dir = match std::env::var_os(ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => match dirs::cache_dir() {
            Some(dir) => dir.join("secbook"),
            None => return Ok(None),
        },
    };
    // Compared where they lead: `hb/content/../../cache` is not inside `hb`.
    let (Ok(dir), Ok(root)) = (resolve(&dir), resolve(root)) else {
        return Ok(None);
    };
    if let Some(output) = built_site_holding(&dir) {
        return Err(format!(
            "{ENV} {} is inside {}, a folder a build wrote, which is published",
            dir.display(),
            output.display()
        ));
    }
    if dir.starts_with(&root) {
        return Err(format!(
            "{ENV} {} is inside the handbook folder {}, where the site may be written and \
             published",
            dir.display(),
            root.display()
        ));
    }
    Ok(make(&dir, common_dir, prefix, hash))
}

/// The cache file in `dir`, made if need be; see [`file()`].
fn make(
    dir: &Path,
    common_dir: &Path,
    prefix: &[Vec<u8>],
    hash: gix::hash::Kind,
) -> Option<PathBuf> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).ok()?;
    let common_dir = common_dir
        .canonicalize()
        .unwrap_or_else(|_| common_dir.to_path_buf());
    let mut hasher = gix::hash::hasher(gix::hash::Kind::Sha1);
    for part in [
        common_dir.as_os_str().as_encoded_bytes(),
        prefix.join(&b'/').as_slice(),
        &FORMAT.to_le_bytes(),
        env!("CARGO_PKG_VERSION").as_bytes(),
        hash.to_string().as_bytes(),
    ] {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    let name = hasher.try_finalize().ok()?.to_hex_with_len(24).to_string();
    Some(dir.join(format!("history-{name}.bin")))
}

/// What the cache file `path` holds, for versions read as `reading` has them; nothing
/// where it is missing, damaged, of another format, or kept for another reading.
pub fn read(path: &Path, reading: Reading) -> Option<Kept> {
    let bytes = std::fs::read(path).ok()?;
    let rest = bytes.strip_prefix(MAGIC)?;
    let (format, rest) = rest.split_first_chunk::<4>()?;
    let (crc, payload) = rest.split_first_chunk::<4>()?;
    if u32::from_le_bytes(*format) != FORMAT || u32::from_le_bytes(*crc) != crc32fast::hash(payload)
    {
        return None;
    }
    let stored: Stored = postcard::from_bytes(payload).ok()?;
    let folders = super::history::FOLDERS.len();
    if stored.reading != reading
        || (stored.commits.iter())
            .any(|(_, known)| known.changes.iter().any(|c| c.folder >= folders))
    {
        return None;
    }
    let fields: Vec<Arc<(String, Held)>> = stored
        .fields
        .into_iter()
        .map(|(key, kept)| {
            let held = match kept {
                KeptField::Value(data) => Held::Value(data.value()?),
                KeptField::Long(hash) => Held::Long(hash),
            };
            Some(Arc::new((key, held)))
        })
        .collect::<Option<_>>()?;
    let mut versions = HashMap::with_capacity(stored.versions.len());
    for (id, version) in stored.versions {
        let version = match version {
            Ok(places) => Ok(Fields::shared(
                places
                    .into_iter()
                    .map(|at| fields.get(at as usize).cloned())
                    .collect::<Option<Vec<_>>>()?,
            )),
            Err(why) => Err(why),
        };
        versions.insert(id, version);
    }
    let commits = stored.commits.into_iter().collect();
    Some(Kept { commits, versions })
}

/// Writes what `log` found (the commits HEAD reaches) and `versions` (those of the files
/// they changed) to `path`, through a file beside it renamed over it: a build that reads
/// it meanwhile reads the old file or the new one, whole. A failure leaves the cache as it
/// was.
pub fn write(
    path: &Path,
    log: &Log,
    versions: &HashMap<ObjectId, Version>,
    reading: Reading,
) -> std::io::Result<()> {
    let mut places: HashMap<*const (String, Held), u32> = HashMap::new();
    let mut fields = Vec::new();
    let mut kept_versions = Vec::new();
    let mut ids: Vec<&ObjectId> = versions.keys().collect();
    ids.sort_unstable();
    for id in ids {
        let version = &versions[id];
        let version = match version {
            Ok(read) => Ok(read
                .shared_fields()
                .iter()
                .map(|field| {
                    *places.entry(Arc::as_ptr(field)).or_insert_with(|| {
                        let kept = match &field.1 {
                            Held::Value(value) => KeptField::Value(Data::of(value)),
                            Held::Long(hash) => KeptField::Long(*hash),
                        };
                        fields.push((field.0.clone(), kept));
                        (fields.len() - 1) as u32
                    })
                })
                .collect()),
            Err(why) => Err(why.clone()),
        };
        kept_versions.push((*id, version));
    }
    let stored = Stored {
        reading,
        commits: log.known().collect(),
        fields,
        versions: kept_versions,
    };
    let payload = postcard::to_allocvec(&stored).map_err(std::io::Error::other)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(MAGIC)?;
    file.write_all(&FORMAT.to_le_bytes())?;
    file.write_all(&crc32fast::hash(&payload).to_le_bytes())?;
    file.write_all(&payload)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cache folder given with `..` from a subfolder of the handbook is where it leads.
    #[test]
    fn a_path_is_compared_where_it_leads() {
        let tmp = tempfile::tempdir().unwrap();
        let h = resolve(tmp.path()).unwrap();
        std::fs::create_dir_all(h.join("hb/content/exceptions")).unwrap();
        let given = h.join("hb/content/exceptions/../../../cache");
        assert_eq!(resolve(&given).unwrap(), h.join("cache"));
        assert!(!resolve(&given).unwrap().starts_with(h.join("hb")));
        assert_eq!(resolve(&h.join("./hb/")).unwrap(), h.join("hb"));
    }

    #[test]
    fn a_yaml_value_is_kept_as_it_reads() {
        let text = "a: [1, -2, 18446744073709551615, 2.5, .nan, -.inf, true, ~, text]\n\
                    b: {c: !tagged {d: e}, 3: [x]}\n";
        let value: Value = serde_yaml::from_str(text).unwrap();
        let bytes = postcard::to_allocvec(&Data::of(&value)).unwrap();
        let back = postcard::from_bytes::<Data>(&bytes)
            .unwrap()
            .value()
            .unwrap();
        // NaN is not equal to itself: compare as written.
        assert_eq!(
            serde_yaml::to_string(&back).unwrap(),
            serde_yaml::to_string(&value).unwrap()
        );
        let without_nan: Value = serde_yaml::from_str(&text.replace(".nan, ", "")).unwrap();
        assert_eq!(Data::of(&without_nan).value(), Some(without_nan));
        assert_eq!(
            Data::Tagged(String::new(), Box::new(Data::Null)).value(),
            None
        );
    }
}
