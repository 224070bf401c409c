//! Helpers shared by the test binaries. Each binary uses only some of them, hence the
//! `allow(dead_code)` on each.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the built binary in `cwd`, without SOURCE_DATE_EPOCH so it cannot change the output.
#[allow(dead_code)]
pub fn secbook(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_secbook"))
        .args(args)
        .current_dir(cwd)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("the secbook binary runs")
}

#[allow(dead_code)]
pub fn describe(out: &Output) -> String {
    format!(
        "exit status {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[allow(dead_code)]
#[track_caller]
pub fn assert_code(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "{}", describe(out));
}

#[allow(dead_code)]
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every file below `dir`, by `/`-separated relative path, so keys match site paths on
/// every platform.
#[allow(dead_code)]
pub fn files_below(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel: Vec<String> = path
                    .strip_prefix(base)
                    .unwrap()
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.insert(rel.join("/"), fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Copies a handbook, so a test can change or move it without touching the source tree.
#[allow(dead_code)]
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Copies the repository's own handbook (its sources, not its output) into `to`.
#[allow(dead_code)]
pub fn copy_example(to: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    fs::create_dir_all(to).unwrap();
    for name in ["handbook.yaml", "content", "data", "static", "themes"] {
        let from = root.join(name);
        if from.is_dir() {
            copy_dir(&from, &to.join(name));
        } else if from.is_file() {
            fs::copy(&from, to.join(name)).unwrap();
        }
    }
}

/// The Python that has the checkers' packages: `$SECBOOK_PYTHON`, else the virtual
/// environment .ci/run makes in target/ci-venv, else `python3`.
#[allow(dead_code)]
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("SECBOOK_PYTHON") {
        return p.into();
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-venv/bin/python3");
    if venv.exists() {
        venv
    } else {
        "python3".into()
    }
}

/// Runs `tests/checkers.py ARGS` and returns its output; `None` when Python or the
/// checker's package is missing on a developer's machine, which the test then skips with a
/// note. Under CI (`CI=true`) a missing tool fails the test instead.
#[allow(dead_code)]
pub fn checker(args: &[&std::ffi::OsStr]) -> Option<std::process::Output> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/checkers.py");
    let python = python();
    let out = Command::new(&python).arg(&script).args(args).output();
    let missing = match &out {
        Err(e) => format!("{} could not run: {e}", python.display()),
        Ok(o) if o.status.code() == Some(3) => String::from_utf8_lossy(&o.stderr).into_owned(),
        Ok(_) => return out.ok(),
    };
    let note = format!(
        "{missing}\nrun .ci/run once, or set SECBOOK_PYTHON to a Python that has the packages it installs"
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{note}");
    }
    eprintln!("skipped: {note}");
    None
}

/// A handbook at `root` whose record holds a control character (the fixture
/// `invalid/record-control-character`) and whose home page body is `page`, after its
/// front matter: what the tests of escaped reports run `check` on.
#[allow(dead_code)]
pub fn control_character_handbook(root: &Path, page: &str) {
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/invalid/record-control-character"),
        root,
    );
    fs::create_dir_all(root.join("content")).unwrap();
    fs::write(
        root.join("content/_index.md"),
        format!("---\ntitle: Home\n---\n{page}"),
    )
    .unwrap();
}
