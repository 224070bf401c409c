//! What the test modules share: the one way to run the binary, and handbooks to run it on.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod book_test;
mod links;

pub use book_test::{BookTest, diff, fixture, fixtures};
pub use links::{broken_links, links_of, resolve};

/// The as-of date of a run whose handbook names none (noon, 2026-06-30 UTC, the date the
/// fixtures are written for), so that no test depends on the day it runs.
pub const SOURCE_DATE_EPOCH: &str = "1782820800";

/// The built binary, with the environment variables it reads set by the test alone: the
/// environment `cargo test` runs in (a developer's shell, a CI runner that sets
/// GITHUB_WORKSPACE) cannot change what it does, and the history a build keeps goes to a
/// folder of the tests' own ([`cache_dir`]), never the user's. Every test starts `secbook`
/// through this.
pub fn command() -> Command {
    prepared(Command::new(env!("CARGO_BIN_EXE_secbook")))
}

/// `command` with the environment every run of `secbook` gets (see [`command`]).
fn prepared(mut command: Command) -> Command {
    command
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .env("SECBOOK_CACHE_DIR", cache_dir())
        .env_remove("GITHUB_WORKSPACE");
    command
}

/// Runs `secbook args...` in `cwd` after the shell commands `setup` (`umask 027`,
/// `ulimit -f 1`): what a process inherits that [`command`] does not set.
pub fn secbook_after<S: AsRef<OsStr>>(cwd: &Path, setup: &str, args: &[S]) -> Output {
    prepared(Command::new("sh"))
        .arg("-c")
        .arg(format!("{setup}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_secbook"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("sh runs the secbook binary")
}

/// Where the builds of the tests keep history (`SECBOOK_CACHE_DIR`): a folder under the
/// target folder that cargo gives integration tests, one file in it per test repository.
pub fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("secbook-cache")
}

/// Runs `secbook args...` in `cwd` and waits for it.
pub fn secbook<S: AsRef<OsStr>>(cwd: &Path, args: &[S]) -> Output {
    command()
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the secbook binary runs")
}

pub fn describe(out: &Output) -> String {
    format!(
        "exit status {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[track_caller]
pub fn assert_code(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "{}", describe(out));
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Files by `/`-separated relative path, such as a built site.
pub type Files = BTreeMap<String, Vec<u8>>;

/// The files of an in-memory build, by path.
pub fn files_of(files: Vec<secbook::render::OutputFile>) -> Files {
    files
        .into_iter()
        .map(|f| {
            let bytes = match f.body {
                secbook::load::theme::Body::Bytes(b) => b.to_vec(),
                secbook::load::theme::Body::Copy(copied) => fs::read(&copied.path).unwrap(),
                secbook::load::theme::Body::Parts(parts) => parts.concat(),
            };
            (f.path, bytes)
        })
        .collect()
}

/// Every file below `dir`, by `/`-separated relative path, so keys match site paths on
/// every platform.
pub fn files_below(dir: &Path) -> Files {
    fn walk(base: &Path, dir: &Path, out: &mut Files) {
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

/// How `child` ended, waited for up to `deadline`; past it, the child is killed and the
/// test fails saying what `blocked`, rather than hanging.
pub fn wait_within(
    child: &mut std::process::Child,
    deadline: std::time::Duration,
    blocked: &str,
) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{blocked} blocked");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A named pipe at `path`, its folder made first: it stands for every stream.
pub fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0, "mkfifo");
}

/// Copies a handbook, so a test can change or move it without touching the source tree.
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

/// The W3C's Nu HTML Checker run with `ARGS` (its jar, `$SECBOOK_VNU`, else where .ci/run
/// installs it, run by `java`); `None` on a developer's machine without it, where the
/// check is skipped with a note. Under CI (`CI=true`) its absence fails the test.
#[allow(dead_code)]
pub fn nu_checker(args: &[&OsStr]) -> Option<Output> {
    let jar = std::env::var_os("SECBOOK_VNU")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/ci-npm/node_modules/vnu-jar/build/dist/vnu.jar")
        });
    let out = jar.exists().then(|| {
        Command::new("java")
            .arg("-jar")
            .arg(&jar)
            .args(args)
            .output()
    });
    let missing = match out {
        Some(Ok(out)) => return Some(out),
        Some(Err(e)) => format!("java could not run: {e}"),
        None => format!("{} is not there", jar.display()),
    };
    let note =
        format!("{missing}: run .ci/run once, or set SECBOOK_VNU to the Nu checker's vnu.jar");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{note}");
    }
    eprintln!("skipped: {note}");
    None
}

/// A handbook at `root` whose record holds a control character (the fixture
/// `invalid/record-control-character`) and whose home page body is `page`, after its
/// front matter: what the tests of escaped reports run `check` on.
pub fn control_character_handbook(root: &Path, page: &str) {
    copy_dir(&fixture("invalid/record-control-character"), root);
    fs::create_dir_all(root.join("content")).unwrap();
    fs::write(
        root.join("content/_index.md"),
        format!("---\ntitle: Home\n---\n{page}"),
    )
    .unwrap();
}

/// Commits everything in the work tree at `dir` as `(name, email)` on `day` (at noon UTC),
/// and returns the commit's id.
pub fn commit(dir: &Path, day: &str, (name, email): (&str, &str), subject: &str) -> String {
    let when = format!("{day}T12:00:00+00:00");
    let env = [
        ("GIT_AUTHOR_NAME", name),
        ("GIT_AUTHOR_EMAIL", email),
        ("GIT_AUTHOR_DATE", when.as_str()),
        ("GIT_COMMITTER_NAME", name),
        ("GIT_COMMITTER_EMAIL", email),
        ("GIT_COMMITTER_DATE", when.as_str()),
    ];
    git(dir, &["add", "-A"], &env);
    git(dir, &["commit", "-q", "-m", subject], &env);
    let out = git(dir, &["rev-parse", "HEAD"], &[]);
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Runs git in `dir` with `env`, as no user's configuration would change it (no signing, a
/// fixed identity), and fails the test if it fails.
pub fn git(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let out = Command::new("git")
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
        ])
        .args(args)
        .envs(env.iter().copied())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    out
}
