//! `BookTest`, in the way of mdBook's test suite: a fixture handbook copied into a temporary
//! folder, `secbook` run on it, what it printed and wrote compared with the fixture's
//! expected files, and a file changed before the next run.
//!
//! A fixture is a folder of tests/fixtures/: `valid/<name>` must build, `invalid/<name>` must
//! fail. Beside the handbook's own files it holds what the tests expect of it, which is not
//! copied: `expected.stderr`, exactly what `secbook check` prints, and for a valid fixture
//! `expected/<path>`, the page the build writes at `<path>`. `SECBOOK_BLESS=1` rewrites every
//! expected file from the output instead of comparing (`SECBOOK_BLESS=basic,broken-link`: those
//! fixtures only); read the diff before committing it.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use tempfile::TempDir;

use super::{Files, assert_code, copy_dir, files_below, secbook};

/// The fixture handbooks, as `<kind>/<name>`.
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// What a fixture holds for the tests rather than for secbook: left out of its copy.
const EXPECTED: [&str; 3] = ["expected.stderr", "expected", "KNOWN_BUG"];

/// The fixture `name` (`valid/basic`) in the source tree.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

/// The fixtures of one kind (`valid` or `invalid`), by name, in name order.
pub fn fixtures(kind: &str) -> Vec<String> {
    let dir = Path::new(FIXTURES).join(kind);
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("read a fixture entry"))
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no fixtures in {}", dir.display());
    names
}

/// A handbook in a temporary folder, removed when the test ends.
pub struct BookTest {
    tmp: TempDir,
    /// The handbook: `<tmp>/handbook`, so that outputs can be put beside it.
    pub dir: PathBuf,
    /// The fixture it was copied from, whose expected files `compare` reads.
    source: Option<PathBuf>,
}

impl BookTest {
    /// A copy of the fixture `name` (`valid/basic`), without its expected files.
    pub fn from_fixture(name: &str) -> Self {
        let source = fixture(name);
        assert!(source.is_dir(), "no fixture {}", source.display());
        let test = Self::empty();
        for entry in fs::read_dir(&source).unwrap() {
            let entry = entry.unwrap();
            let file_name = entry.file_name();
            if EXPECTED.iter().any(|e| file_name == OsStr::new(e)) {
                continue;
            }
            let target = test.dir.join(&file_name);
            if entry.file_type().unwrap().is_dir() {
                copy_dir(&entry.path(), &target);
            } else {
                fs::copy(entry.path(), &target).unwrap();
            }
        }
        Self {
            source: Some(source),
            ..test
        }
    }

    /// An empty folder for a handbook a test writes itself.
    pub fn empty() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("handbook");
        fs::create_dir(&dir).unwrap();
        Self {
            tmp,
            dir,
            source: None,
        }
    }

    /// The temporary folder that holds the handbook, for outputs beside it.
    pub fn tmp(&self) -> &Path {
        self.tmp.path()
    }

    /// Runs `secbook args...` in the handbook's folder.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Output {
        secbook(&self.dir, args)
    }

    /// `secbook build . -o <tmp>/<out> extra...`, which must succeed; every file it wrote.
    #[track_caller]
    pub fn build(&self, out: &str, extra: &[&str]) -> Files {
        let out = self.tmp().join(out);
        let mut args = vec![
            OsStr::new("build"),
            OsStr::new("."),
            OsStr::new("-o"),
            out.as_os_str(),
        ];
        args.extend(extra.iter().map(OsStr::new));
        assert_code(&self.run(&args), 0);
        files_below(&out)
    }

    /// The text of the handbook's file `rel`.
    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.dir.join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Writes `text` at `rel`, making its folder.
    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let path = self.dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap_or_else(|e| panic!("write {rel}: {e}"));
        self
    }

    /// Replaces `from`, which must be there, with `to` in the file `rel`.
    #[track_caller]
    pub fn replace(&self, rel: &str, from: &str, to: &str) -> &Self {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} does not hold {from:?}");
        self.write(rel, &text.replace(from, to))
    }

    /// Removes the file or folder `rel`.
    pub fn remove(&self, rel: &str) -> &Self {
        let path = self.dir.join(rel);
        let removed = if path.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        removed.unwrap_or_else(|e| panic!("remove {rel}: {e}"));
        self
    }

    /// Compares `actual` with the fixture's expected file `rel`: see [`compare`].
    pub fn compare(&self, rel: &str, actual: &str) -> Result<(), String> {
        compare(
            self.source
                .as_deref()
                .expect("a BookTest made from a fixture"),
            rel,
            actual,
        )
    }

    /// The fixture's files under `expected/`, by site path: the pages a test must compare.
    pub fn expected_pages(&self) -> Vec<String> {
        let dir = self.source.as_deref().unwrap().join("expected");
        if dir.is_dir() {
            files_below(&dir).into_keys().collect()
        } else {
            Vec::new()
        }
    }

    /// Whether the fixture documents a bug of src/ with a `KNOWN_BUG` file: its expected
    /// files hold the right output, which the program does not print yet.
    pub fn known_bug(&self) -> bool {
        self.source
            .as_deref()
            .is_some_and(|s| s.join("KNOWN_BUG").is_file())
    }
}

/// Compares `actual` with the expected file `rel` (`expected.stderr`, `expected/index.html`)
/// of the fixture at `source`, or rewrites that file under `SECBOOK_BLESS` unless the
/// fixture has a known bug. `Err` holds the difference, for a test that reports every
/// fixture before it fails.
fn compare(source: &Path, rel: &str, actual: &str) -> Result<(), String> {
    let name = source.file_name().unwrap().to_string_lossy();
    let path = source.join(rel);
    let shown = path
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(&path)
        .display();
    if blessing(&name) && !source.join("KNOWN_BUG").is_file() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, actual).unwrap();
    }
    let Ok(expected) = fs::read_to_string(&path) else {
        return Err(format!(
            "{shown} is missing (SECBOOK_BLESS={name} writes it); the output is:\n{actual}"
        ));
    };
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "{shown} differs from the output (SECBOOK_BLESS={name} rewrites it):\n{}",
            diff(&expected, actual)
        ))
    }
}

/// A unified diff of `expected` and `actual` by lines, which marks a missing final newline.
pub fn diff(expected: &str, actual: &str) -> String {
    similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .header("expected", "actual")
        .to_string()
}

/// Whether `SECBOOK_BLESS` asks to rewrite the expected files of the fixture `name`:
/// `SECBOOK_BLESS=1` blesses every fixture, `SECBOOK_BLESS=a,b` the fixtures named `a` and `b`.
fn blessing(name: &str) -> bool {
    match std::env::var("SECBOOK_BLESS") {
        Ok(v) if v == "1" => true,
        Ok(v) => v.split(',').any(|n| n.trim() == name),
        Err(_) => false,
    }
}
