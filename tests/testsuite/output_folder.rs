//! The output folder (SPEC 8, "The output folder"): `secbook build HB -o X` replaces X only
//! when it is its own (absent, empty, or holding the marker `.secbook-output`), refuses
//! any other folder unless `--force`, refuses a file, and refuses the handbook, a folder
//! that holds it and its source folders even with `--force`. Whatever X is, no file the
//! build did not write is deleted or changed. The other commands that write (`export -o`,
//! `notify --outbox`, `new`, `import`, `init --force`) hold to the same rules.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use crate::common::{self, assert_code, copy_example, files_below, secbook, stderr};

/// The marker file, as SPEC 8 names it.
const MARKER: &str = ".secbook-output";

/// What a path is, without following links: enough to see that nothing was touched.
#[derive(Debug, PartialEq)]
enum Entry {
    Dir,
    File(Vec<u8>),
    Link(PathBuf),
}

/// Every path below `dir` (links not followed), except those below `skip`.
fn snapshot(dir: &Path, skip: Option<&Path>) -> BTreeMap<PathBuf, Entry> {
    fn walk(dir: &Path, skip: Option<&Path>, out: &mut BTreeMap<PathBuf, Entry>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if skip.is_some_and(|s| path.starts_with(s)) {
                continue;
            }
            let kind = fs::symlink_metadata(&path).unwrap().file_type();
            if kind.is_symlink() {
                out.insert(path.clone(), Entry::Link(fs::read_link(&path).unwrap()));
            } else if kind.is_dir() {
                out.insert(path.clone(), Entry::Dir);
                walk(&path, skip, out);
            } else {
                out.insert(path.clone(), Entry::File(fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, skip, &mut out);
    out
}

/// A folder holding the example handbook `hb/` (with a `static/sub/` folder, its pages in
/// `docs/content/` with `content` a link to them, and a repository's `.git/`), and beside
/// it a folder of someone else's files, a file, a link to the handbook, a dangling link,
/// an empty folder and a folder that holds only the marker.
fn workspace() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let hb = tmp.path().join("hb");
    copy_example(&hb);
    fs::create_dir_all(hb.join("docs")).unwrap();
    fs::rename(hb.join("content"), hb.join("docs/content")).unwrap();
    std::os::unix::fs::symlink("docs/content", hb.join("content")).unwrap();
    fs::create_dir_all(hb.join(".git/objects")).unwrap();
    fs::write(hb.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    fs::create_dir_all(hb.join("static/sub")).unwrap();
    fs::write(hb.join("static/sub/notes.txt"), "kept as it is\n").unwrap();
    fs::create_dir_all(tmp.path().join("sibling/docs")).unwrap();
    fs::write(tmp.path().join("sibling/index.html"), "someone else's\n").unwrap();
    fs::write(tmp.path().join("sibling/docs/a.md"), "a\n").unwrap();
    fs::write(tmp.path().join("a-file"), "a file\n").unwrap();
    std::os::unix::fs::symlink("hb", tmp.path().join("link")).unwrap();
    std::os::unix::fs::symlink("nowhere", tmp.path().join("dangling")).unwrap();
    fs::create_dir(tmp.path().join("empty")).unwrap();
    fs::create_dir(tmp.path().join("marked")).unwrap();
    fs::write(tmp.path().join("marked").join(MARKER), "").unwrap();
    (tmp, hb)
}

/// For every output X, run from inside the handbook: the exit status, what the refusal
/// says, and that no file outside the site it wrote was deleted or changed, nor anything
/// left beside it.
#[test]
fn no_output_folder_makes_a_build_touch_what_it_did_not_write() {
    let (tmp, hb) = workspace();
    let the_handbook = "is the handbook folder";
    let holds = "holds the handbook folder";
    let foreign = "was not written by secbook";
    let not_a_folder = "is not a folder";
    // X, --force, exit status, what stderr says (refused) or where the site lands (built).
    let table: &[(&str, bool, i32, &str)] = &[
        (".", false, 2, the_handbook),
        (".", true, 2, the_handbook),
        ("./x/..", true, 2, the_handbook),
        ("../hb/", true, 2, the_handbook),
        ("../link", false, 2, the_handbook),
        ("../link/", true, 2, the_handbook),
        ("..", false, 2, holds),
        ("..", true, 2, holds),
        ("/", true, 2, holds),
        ("content", false, 2, "is the handbook's content/ folder"),
        ("content", true, 2, "is the handbook's content/ folder"),
        (
            "content/new/site",
            true,
            2,
            "inside the handbook's content/ folder",
        ),
        (
            "../link/content",
            true,
            2,
            "is the handbook's content/ folder",
        ),
        (
            "static/sub",
            false,
            2,
            "inside the handbook's static/ folder",
        ),
        (
            "static/sub",
            true,
            2,
            "inside the handbook's static/ folder",
        ),
        ("data", false, 2, "is the handbook's data/ folder"),
        ("data", true, 2, "is the handbook's data/ folder"),
        (
            "data/exceptions",
            true,
            2,
            "inside the handbook's data/ folder",
        ),
        ("docs", false, 2, "holds the handbook's content/ folder"),
        ("docs", true, 2, "holds the handbook's content/ folder"),
        ("docs/content", true, 2, "is the handbook's content/ folder"),
        (".git", true, 2, "is the handbook's .git/ folder"),
        (".git/site", false, 2, "inside the handbook's .git/ folder"),
        ("themes", false, 2, "is the handbook's themes/ folder"),
        (
            "themes/default/static",
            true,
            2,
            "inside the handbook's themes/ folder",
        ),
        ("../sibling", false, 2, foreign),
        ("../a-file", false, 2, not_a_folder),
        ("../a-file", true, 2, not_a_folder),
        ("../dangling", true, 2, not_a_folder),
        ("../empty", false, 0, "empty"),
        ("../marked", false, 0, "marked"),
        ("../new/deeper", false, 0, "new/deeper"),
        ("public", false, 0, "hb/public"),
        ("../link/public", false, 0, "hb/public"),
    ];
    for &(x, force, code, said) in table {
        let site = (code == 0).then(|| tmp.path().join(said));
        // What the build may write: the site, and the folders it creates to hold it.
        let mut written = site.clone();
        while let Some(parent) = written.as_deref().and_then(Path::parent)
            && !parent.exists()
        {
            written = Some(parent.to_path_buf());
        }
        let before = snapshot(tmp.path(), written.as_deref());
        let mut args = vec!["build", ".", "-o", x];
        if force {
            args.push("--force");
        }
        let run = secbook(&hb, &args);
        let what = format!("secbook {}", args.join(" "));
        assert_eq!(
            run.status.code(),
            Some(code),
            "{what}\n{}",
            common::describe(&run)
        );
        match &site {
            None => assert!(stderr(&run).contains(said), "{what}: {}", stderr(&run)),
            Some(site) => {
                assert!(site.join("index.html").is_file(), "{what}");
                assert!(site.join(MARKER).is_file(), "{what}");
            }
        }
        let after = snapshot(tmp.path(), written.as_deref());
        let changed: Vec<_> = before
            .keys()
            .chain(after.keys())
            .filter(|k| before.get(*k) != after.get(*k))
            .take(5)
            .collect();
        assert!(changed.is_empty(), "{what} changed {changed:?}");
    }
}

/// `--force` replaces a folder secbook did not write, but only with a complete site: a
/// build that fails leaves it as it was. The site it writes is marked as secbook's, so
/// the next build needs no `--force`.
#[test]
fn a_foreign_folder_is_replaced_with_force_only_by_a_successful_build() {
    let (tmp, hb) = workspace();
    let sibling = tmp.path().join("sibling");
    let theirs = snapshot(&sibling, None);
    let config = fs::read_to_string(hb.join("handbook.yaml")).unwrap();

    fs::write(hb.join("handbook.yaml"), format!("{config}\ntitle: [\n")).unwrap();
    let run = secbook(&hb, &["build", ".", "-o", "../sibling", "--force"]);
    assert_code(&run, 1);
    assert_eq!(snapshot(&sibling, None), theirs);

    fs::write(hb.join("handbook.yaml"), &config).unwrap();
    assert_code(&secbook(&hb, &["build", ".", "-o", "../reference"]), 0);
    assert_code(
        &secbook(&hb, &["build", ".", "-o", "../sibling", "--force"]),
        0,
    );
    assert_eq!(
        files_below(&sibling),
        files_below(&tmp.path().join("reference"))
    );
    assert_code(&secbook(&hb, &["build", ".", "-o", "../sibling"]), 0);
}

/// A build replaces its output folder and nothing beside it: files whose names start like
/// secbook's own (`.public.secbook-...`) survive unless they are its staging folders,
/// named with a process id (`.public.secbook-new-4242`, not `...-new-backup`).
#[test]
fn files_beside_the_output_survive() {
    let (tmp, hb) = workspace();
    let out = tmp.path().join("public");
    assert_code(&secbook(&hb, &["build", ".", "-o", "../public"]), 0);
    for name in [".public.keep", "public.txt"] {
        fs::write(tmp.path().join(name), name).unwrap();
    }
    for name in [
        "public.bak",
        ".public.secbook-notes",
        ".public.secbook-new-backup",
        ".public.secbook-old-",
        ".public.secbook-old-12a",
    ] {
        fs::create_dir(tmp.path().join(name)).unwrap();
        fs::write(tmp.path().join(name).join("index.html"), name).unwrap();
    }
    let before = snapshot(tmp.path(), Some(&out));
    for _ in 0..2 {
        assert_code(&secbook(&hb, &["build", ".", "-o", "../public"]), 0);
        assert_eq!(snapshot(tmp.path(), Some(&out)), before);
    }
}

/// A limit on file size (`ulimit -f`) that a file of the site passes fails the build like
/// any write that fails: exit status 2, the file named at its place in the output, the
/// previous output as it was and nothing left beside it, where the signal killed secbook
/// without a word and left its staging folder and lock.
#[test]
fn a_limit_on_file_size_fails_the_build_and_keeps_the_last_output() {
    let (tmp, hb) = workspace();
    let out = tmp.path().join("public");
    assert_code(&secbook(&hb, &["build", ".", "-o", "../public"]), 0);
    let before = snapshot(tmp.path(), None);
    fs::write(
        hb.join("content/new-page.md"),
        "---\ntitle: New\n---\nNew.\n",
    )
    .unwrap();
    let failed = common::secbook_after(&hb, "ulimit -f 8", &["build", ".", "-o", "../public"]);
    assert_code(&failed, 2);
    let told = stderr(&failed);
    let place = format!("{}/", out.display());
    assert!(
        told.starts_with("error: ") && told.contains(&place),
        "{told}"
    );
    assert!(told.contains("File too large"), "{told}");
    fs::remove_file(hb.join("content/new-page.md")).unwrap();
    assert_eq!(snapshot(tmp.path(), None), before);
}

/// Under a low limit of open files (`ulimit -n 16`) that the build itself fits in, the
/// previous output is still removed once the new one is in place, where its removal, a
/// descriptor for each folder side by side, ran out and left it beside the new one.
#[test]
fn a_low_limit_of_open_files_leaves_nothing_beside_the_output() {
    let (tmp, hb) = workspace();
    let out = tmp.path().join("public");
    assert_code(&secbook(&hb, &["build", ".", "-o", "../public"]), 0);
    let rebuilt = common::secbook_after(&hb, "ulimit -n 16", &["build", ".", "-o", "../public"]);
    assert_code(&rebuilt, 0);
    assert!(
        !stderr(&rebuilt).contains("could not be removed"),
        "{}",
        stderr(&rebuilt)
    );
    let beside: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("public."))
        .collect();
    assert_eq!(beside, Vec::<String>::new());
    assert!(out.join("index.html").is_file());
}

/// What is at the top of the output that secbook did not write (the `.git` of a `gh-pages`
/// worktree, a host's `CNAME`) outlives every build; what the last build wrote and this
/// one does not is gone. One that this build would write too is not lost: the previous
/// output is left beside the new one, and told.
#[test]
fn what_secbook_did_not_write_at_the_top_of_its_output_is_kept() {
    let (tmp, hb) = workspace();
    let out = tmp.path().join("public");
    let page = hb.join("docs/content/extra.md");
    fs::write(&page, "---\ntitle: Extra\n---\nFor now.\n").unwrap();
    assert_code(&secbook(&hb, &["build", ".", "-o", "../public"]), 0);
    assert!(out.join("extra/index.html").is_file());
    let marker = fs::read_to_string(out.join(MARKER)).unwrap();
    assert!(marker.lines().any(|l| l == "extra/index.html"), "{marker}");
    fs::create_dir_all(out.join(".git/refs/heads")).unwrap();
    fs::write(out.join(".git/HEAD"), "ref: refs/heads/gh-pages\n").unwrap();
    fs::write(out.join("CNAME"), "docs.example.com\n").unwrap();
    fs::remove_file(&page).unwrap();
    for _ in 0..2 {
        assert_code(&secbook(&hb, &["build", ".", "-o", "../public"]), 0);
        assert_eq!(
            fs::read_to_string(out.join(".git/HEAD")).unwrap(),
            "ref: refs/heads/gh-pages\n"
        );
        assert!(out.join(".git/refs/heads").is_dir());
        assert_eq!(
            fs::read_to_string(out.join("CNAME")).unwrap(),
            "docs.example.com\n"
        );
        assert!(
            !out.join("extra").exists(),
            "what the last build wrote goes"
        );
        assert!(out.join("index.html").is_file());
    }
    let marker = fs::read_to_string(out.join(MARKER)).unwrap();
    assert!(
        !marker.lines().any(|l| l == "CNAME" || l == ".git"),
        "{marker}"
    );

    // Run from inside the output, which the build replaces: the shell is told it is left in
    // a folder that is gone.
    let run = secbook(&out, &["build", "../hb", "-o", "."]);
    assert_code(&run, 0);
    let said = stderr(&run);
    assert!(
        said.contains(&format!(
            "the folder this command was run from, {}, was replaced with the new output",
            out.display()
        )),
        "{said}"
    );
    assert!(out.join(".git/HEAD").is_file() && out.join("index.html").is_file());

    // A page now written where the foreign file is: refused, the output as it was.
    fs::write(out.join("notes"), "mine\n").unwrap();
    fs::write(
        hb.join("docs/content/notes.md"),
        "---\ntitle: Notes\n---\nText.\n",
    )
    .unwrap();
    let before = snapshot(tmp.path(), None);
    let run = secbook(&hb, &["build", ".", "-o", "../public"]);
    assert_code(&run, 2);
    let said = stderr(&run);
    assert!(
        said.contains("holds notes, which secbook did not write, and this build writes notes"),
        "{said}"
    );
    assert_eq!(snapshot(tmp.path(), None), before);
}

/// A file of the handbook's at the marker's path (`static/.secbook-output`, in any letter
/// case) is refused at the file: copied over the marker, its lines would tell the next
/// build that it wrote the user's files, and that build would remove them.
#[test]
fn a_file_at_the_markers_path_is_refused() {
    let (tmp, hb) = workspace();
    let out = tmp.path().join("public");
    assert_code(&secbook(&hb, &["build", ".", "-o", "../public"]), 0);
    fs::write(out.join("notes.txt"), "mine\n").unwrap();
    for name in [MARKER, ".SECBOOK-OUTPUT"] {
        let copied = hb.join("static").join(name);
        fs::write(&copied, "notes.txt\n").unwrap();
        let before = snapshot(&out, None);
        let run = secbook(&hb, &["build", ".", "-o", "../public"]);
        assert_code(&run, 1);
        let said = stderr(&run);
        assert!(
            said.contains(&format!("static/{name} and a file secbook makes"))
                && said.contains(&format!("secbook writes `{MARKER}` itself")),
            "{said}"
        );
        assert_eq!(snapshot(&out, None), before);
        fs::remove_file(&copied).unwrap();
    }
    assert_code(&secbook(&hb, &["build", ".", "-o", "../public"]), 0);
    assert_eq!(fs::read_to_string(out.join("notes.txt")).unwrap(), "mine\n");
}

/// A file added inside a folder secbook writes (a record's folder, a page's that the next
/// build no longer writes) outlives every build as well; one where a build would write is
/// refused, the output as it was.
#[test]
fn what_secbook_did_not_write_deeper_in_its_output_is_kept() {
    let (tmp, hb) = workspace();
    let out = tmp.path().join("public");
    let page = hb.join("docs/content/extra.md");
    fs::write(&page, "---\ntitle: Extra\n---\nFor now.\n").unwrap();
    assert_code(&secbook(&hb, &["build", ".", "-o", "../public"]), 0);
    let record = fs::read_dir(out.join("exceptions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("index.html").is_file())
        .unwrap();
    let mine = [
        out.join("incidents/notes.txt"),
        record.join("attachments/scan.txt"),
        out.join("extra/keep.txt"),
    ];
    for file in &mine {
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(file, "mine\n").unwrap();
    }
    fs::remove_file(&page).unwrap();
    for _ in 0..2 {
        assert_code(&secbook(&hb, &["build", ".", "-o", "../public"]), 0);
        for file in &mine {
            assert_eq!(fs::read_to_string(file).unwrap(), "mine\n", "{file:?}");
        }
        assert!(
            !out.join("extra/index.html").exists(),
            "what the last build wrote goes"
        );
        assert!(record.join("index.html").is_file());
    }

    // The build is refused, says `told`, and leaves everything as it was.
    let refused = |told: &str| {
        let before = snapshot(tmp.path(), None);
        let run = secbook(&hb, &["build", ".", "-o", "../public"]);
        assert_code(&run, 2);
        let said = stderr(&run);
        assert!(said.contains(told), "{said}");
        assert_eq!(snapshot(tmp.path(), None), before);
    };
    fs::write(out.join("extra/index.html"), "mine\n").unwrap();
    fs::write(&page, "---\ntitle: Extra\n---\nAgain.\n").unwrap();
    refused(
        "holds extra/index.html, which secbook did not write, and this build writes \
         extra/index.html there",
    );

    // Every file in the way is told at once, not one a build.
    fs::write(out.join("CNAME"), "mine\n").unwrap();
    fs::create_dir_all(hb.join("static")).unwrap();
    fs::write(hb.join("static/CNAME"), "hb.example.com\n").unwrap();
    refused(
        "holds CNAME, extra/index.html, which secbook did not write, and this build \
         writes each of them",
    );
}

/// A source folder mounted a second time elsewhere has a path of its own, that no check of
/// paths sees to be data/: it is refused all the same. Mounting needs privileges the
/// machine may not give (CI runs as root, and has them).
#[test]
fn an_output_in_a_second_mount_of_a_source_folder_is_refused() {
    let (tmp, hb) = workspace();
    let alias = tmp.path().join("alias");
    fs::create_dir(&alias).unwrap();
    let mount = std::process::Command::new("mount")
        .args(["--bind", "hb/data"])
        .arg(&alias)
        .current_dir(tmp.path())
        .output();
    if !mount.is_ok_and(|m| m.status.success()) {
        eprintln!("skipped: `mount --bind` is not allowed here");
        return;
    }
    let sources = snapshot(&hb, None);
    let run = secbook(&hb, &["build", ".", "-o", "../alias/site", "--force"]);
    let unmount = std::process::Command::new("umount").arg(&alias).status();
    assert!(unmount.is_ok_and(|s| s.success()));
    assert_code(&run, 2);
    assert!(
        stderr(&run).contains("is inside the handbook's data/ folder"),
        "{}",
        stderr(&run)
    );
    assert_eq!(snapshot(&hb, None), sources);
}

/// An output inside content/ or static/ would be read back as pages or copied into the
/// next build's output, which nests itself a level deeper with every build. It is refused
/// every time, so the sources stay as they were.
#[test]
fn an_output_inside_the_sources_never_nests_itself() {
    let (_tmp, hb) = workspace();
    let sources = snapshot(&hb, None);
    for x in ["content/site", "static/site", "static/sub"] {
        for force in [false, true, false] {
            let mut args = vec!["build", ".", "-o", x];
            if force {
                args.push("--force");
            }
            assert_code(&secbook(&hb, &args), 2);
            assert_eq!(snapshot(&hb, None), sources, "{args:?}");
        }
    }
    assert_code(&secbook(&hb, &["check", "."]), 0);
}

/// The example handbook in a temporary folder, with the settings `notify` needs.
fn example_that_notifies() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let hb = tmp.path().join("hb");
    copy_example(&hb);
    let config = fs::read_to_string(hb.join("handbook.yaml")).unwrap();
    let notify = "notify:\n  from: security@example.com\n  fallback: security@example.com\n";
    fs::write(hb.join("handbook.yaml"), format!("{config}{notify}")).unwrap();
    (tmp, hb)
}

/// A source folder that does not exist yet is the handbook's all the same: an output or an
/// outbox at its path would make it, and the next build would publish what is in it (the
/// messages of an outbox in static/, a site copied into itself). Each command refuses it.
#[test]
fn a_source_folder_not_made_yet_is_refused_as_if_it_were() {
    let (_tmp, hb) = example_that_notifies();
    fs::remove_dir_all(hb.join("themes")).unwrap();
    assert!(!hb.join("static").exists());
    let sources = snapshot(&hb, None);
    let mail = ["notify", ".", "--base-url", "https://hb.example.com/"];
    let outbox = |dir: &'static str| [&mail[..], &["--outbox", dir]].concat();
    let refused: Vec<Vec<&str>> = vec![
        outbox("static/outbox"),
        outbox("themes/default/static"),
        outbox("static"),
        vec!["build", ".", "-o", "static/site"],
        vec!["build", ".", "-o", "themes/default/static", "--force"],
        vec!["export", "tracker", ".", "-o", "static/tracker.csv"],
    ];
    for args in &refused {
        let run = secbook(&hb, args);
        assert_code(&run, 2);
        assert!(
            stderr(&run).contains("folder, which the build reads"),
            "{args:?}: {}",
            stderr(&run)
        );
        assert_eq!(snapshot(&hb, None), sources, "{args:?}");
    }
}

/// What a symbolic link in a source folder leads to is a source too: content/docs leading
/// to ../docs_real, which may hold the only copy of the pages, or a page linked from
/// notes/. An output, an outbox or an export there, or holding it, is refused with or
/// without `--force`, and empty or not: once written, the next build would read the site
/// back as pages.
#[cfg(unix)]
#[test]
fn what_a_link_in_the_sources_leads_to_is_refused_as_a_source() {
    let (_tmp, hb) = example_that_notifies();
    fs::create_dir_all(hb.join("docs_real")).unwrap();
    fs::write(hb.join("docs_real/_index.md"), "---\ntitle: Docs\n---\n").unwrap();
    fs::write(
        hb.join("docs_real/real.md"),
        "---\ntitle: Real\n---\nOnly copy.\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("../docs_real", hb.join("content/docs")).unwrap();
    fs::create_dir_all(hb.join("notes")).unwrap();
    fs::write(hb.join("notes/n.md"), "---\ntitle: Note\n---\nOnly copy.\n").unwrap();
    std::os::unix::fs::symlink("../../notes/n.md", hb.join("content/exceptions/n.md")).unwrap();
    fs::create_dir_all(hb.join("empty_real")).unwrap();
    std::os::unix::fs::symlink("../empty_real", hb.join("content/empty")).unwrap();
    assert_code(&secbook(&hb, &["check", "."]), 0);
    let sources = snapshot(&hb, None);
    let mail = ["notify", ".", "--base-url", "https://hb.example.com/"];
    let refused: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["build", ".", "-o", "docs_real", "--force"],
            "is the folder",
        ),
        (
            vec!["build", ".", "-o", "docs_real/site"],
            "is inside the folder",
        ),
        (vec!["build", ".", "-o", "empty_real"], "is the folder"),
        (
            vec!["build", ".", "-o", "notes", "--force"],
            "holds the file",
        ),
        (
            [&mail[..], &["--outbox", "docs_real", "--force"]].concat(),
            "is the folder",
        ),
        (
            vec!["export", "tracker", ".", "-o", "docs_real/t.csv"],
            "is inside the folder",
        ),
    ];
    for (args, said) in &refused {
        let run = secbook(&hb, args);
        assert_code(&run, 2);
        let told = stderr(&run);
        assert!(told.contains(said), "{args:?}: {told}");
        assert!(
            told.contains("that the handbook's content/"),
            "{args:?}: {told}"
        );
        assert_eq!(snapshot(&hb, None), sources, "{args:?}");
    }
}

/// A build into a folder that another build holds waits for it, says so once, then builds.
#[test]
fn a_second_build_waits_for_the_first() {
    let (tmp, hb) = workspace();
    let out = tmp.path().join("public");
    let lock = fs::File::create(tmp.path().join(".public.secbook-lock")).unwrap();
    lock.lock().unwrap();

    let mut child = common::command()
        .args(["build", ".", "-o", "../public"])
        .current_dir(&hb)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let lines = BufReader::new(child.stderr.take().unwrap());
    std::thread::spawn(move || {
        for line in lines.lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    assert!(first.contains("waiting for another build"), "{first}");
    std::thread::sleep(Duration::from_millis(200));
    assert!(!out.exists(), "the build did not wait");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the build did not wait"
    );

    drop(lock);
    assert!(child.wait().unwrap().success());
    let rest: Vec<String> = rx.iter().collect();
    assert!(
        !rest.iter().any(|l| l.contains("waiting")),
        "said it waits more than once: {rest:?}"
    );
    assert!(out.join("index.html").is_file());
    let beside: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public"))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
}

/// A build over its own output keeps each file whose bytes did not change: the same file,
/// so its modification time says when it last changed. It keeps nothing else: a file
/// changed by hand in the old output (in its bytes, its permissions, or into a link), or
/// linked from outside it, is written anew, and the new output is the same as a build into
/// an empty folder.
#[cfg(unix)]
#[test]
fn a_build_over_its_output_keeps_only_the_files_that_did_not_change() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};

    let (tmp, hb) = workspace();
    // A copy keeps its source's permissions, which need not be a new file's.
    let source = hb.join("static/sub/notes.txt");
    fs::set_permissions(&source, fs::Permissions::from_mode(0o751)).unwrap();
    let out = tmp.path().join("public");
    let page = |id: &str| out.join(format!("exceptions/{id}/index.html"));
    let inode = |path: &Path| fs::symlink_metadata(path).unwrap().ino();
    assert_code(&secbook(&hb, &["build", ".", "-o", "../public"]), 0);
    let mode = fs::metadata(page("EXC-001")).unwrap().mode();

    let kept = inode(&page("EXC-001"));
    let modified = |path: &Path| fs::metadata(path).unwrap().modified().unwrap();
    let kept_modified = modified(&page("EXC-001"));
    let copied = out.join("sub/notes.txt");
    let copied_inode = inode(&copied);
    let edited = page("EXC-002");
    let mut bytes = fs::read(&edited).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 1;
    fs::write(&edited, &bytes).unwrap();
    let opened = page("EXC-003");
    fs::set_permissions(&opened, fs::Permissions::from_mode(0o600)).unwrap();
    let shared = page("EXC-004");
    let outside = tmp.path().join("sibling/linked.html");
    fs::hard_link(&shared, &outside).unwrap();
    let linked = page("EXC-005");
    let target = tmp.path().join("sibling/target.html");
    fs::copy(&linked, &target).unwrap();
    fs::remove_file(&linked).unwrap();
    symlink(&target, &linked).unwrap();
    let retitled = page("EXC-006");
    let retitled_inode = inode(&retitled);
    let record = hb.join("data/exceptions/EXC-006.yaml");
    let yaml = fs::read_to_string(&record).unwrap();
    let yaml = yaml.replacen("\ntitle: ", "\ntitle: Retitled ", 1);
    fs::write(&record, yaml).unwrap();

    assert_code(&secbook(&hb, &["build", ".", "-o", "../public"]), 0);

    assert_eq!(inode(&page("EXC-001")), kept, "an unchanged page is kept");
    assert_eq!(modified(&page("EXC-001")), kept_modified);
    assert_eq!(inode(&copied), copied_inode, "an unchanged copy is kept");
    for path in [&edited, &opened, &shared, &linked] {
        let meta = fs::symlink_metadata(path).unwrap();
        assert!(meta.is_file(), "{} is a file of its own", path.display());
        assert_eq!(
            meta.mode(),
            mode,
            "{} has a new file's permissions",
            path.display()
        );
        assert_eq!(
            meta.nlink(),
            1,
            "{} is linked from nowhere else",
            path.display()
        );
    }
    assert_ne!(
        inode(&retitled),
        retitled_inode,
        "a changed page is written anew"
    );
    assert!(
        fs::read_to_string(&retitled)
            .unwrap()
            .contains("Retitled Delayed")
    );
    fs::write(&outside, "changed outside").unwrap();
    assert_eq!(fs::read(&target).unwrap(), fs::read(&linked).unwrap());

    assert_code(&secbook(&hb, &["build", ".", "-o", "../reference"]), 0);
    assert_eq!(
        files_below(&out),
        files_below(&tmp.path().join("reference"))
    );
}

/// Every command that writes a file keeps off the handbook's sources and writes nothing
/// through a link: an export or an outbox in a source folder, or over handbook.yaml, is
/// refused; a link where a file is written is replaced, its target untouched; a record is
/// not added to a folder that a link leads out of the handbook, which no build reads.
#[test]
fn no_command_writes_over_the_sources_or_through_a_link() {
    let (tmp, hb) = workspace();
    let outside = tmp.path().join("outside.txt");
    fs::write(&outside, "someone else's\n").unwrap();
    let sources = snapshot(&hb, Some(&hb.join("exports")));
    let refused: &[&[&str]] = &[
        &["export", "tracker", ".", "-o", "handbook.yaml"],
        &["export", "poam", ".", "-o", "content/poam.json"],
        &["export", "tracker", ".", "-o", "docs/content/x.csv"],
        &["export", "tracker", ".", "-o", "data/people.yaml"],
        &["notify", ".", "--outbox", "content/mail"],
        &["notify", ".", "--outbox", "."],
    ];
    for args in refused {
        let run = secbook(&hb, args);
        assert_code(&run, 2);
        let said = stderr(&run);
        assert!(
            said.contains("handbook's") || said.contains("handbook folder"),
            "{args:?}: {said}"
        );
        assert_eq!(snapshot(&hb, None), sources, "{args:?}");
    }

    // Links where a file is written: replaced, not followed.
    fs::create_dir(hb.join("exports")).unwrap();
    let csv = hb.join("exports/tracker.csv");
    std::os::unix::fs::symlink(&outside, &csv).unwrap();
    assert_code(
        &secbook(
            &hb,
            &["export", "tracker", ".", "-o", "exports/tracker.csv"],
        ),
        0,
    );
    assert!(
        fs::read_to_string(&csv)
            .unwrap()
            .starts_with("Priority, Status")
    );
    let config = fs::read_to_string(hb.join("handbook.yaml")).unwrap();
    let notify = "notify:\n  from: security@example.com\n  fallback: security@example.com\n";
    fs::write(hb.join("handbook.yaml"), format!("{config}{notify}")).unwrap();
    let outbox = tmp.path().join("outbox");
    fs::create_dir(&outbox).unwrap();
    let notify = [
        "notify",
        ".",
        "--as-of",
        "2026-06-30",
        "--base-url",
        "https://handbook.example.com/",
        "--outbox",
        "../outbox",
    ];
    assert_code(&secbook(&hb, &notify), 0);
    let mails: Vec<_> = fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    assert!(!mails.is_empty());
    for mail in &mails {
        fs::remove_file(mail).unwrap();
        std::os::unix::fs::symlink(&outside, mail).unwrap();
    }
    assert_code(&secbook(&hb, &notify), 0);
    assert!(
        mails
            .iter()
            .all(|m| !fs::symlink_metadata(m).unwrap().is_symlink())
    );

    // A folder of records that a link leads out of the handbook.
    let elsewhere = tmp.path().join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    fs::remove_dir_all(hb.join("data/incidents")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, hb.join("data/incidents")).unwrap();
    let run = secbook(&hb, &["new", "incident", ".", "--title", "Outage"]);
    assert_code(&run, 2);
    assert!(
        stderr(&run).contains("leads outside the handbook"),
        "{}",
        stderr(&run)
    );
    assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 0);

    // A new handbook whose handbook.yaml is a link.
    let fresh = tmp.path().join("fresh");
    fs::create_dir(&fresh).unwrap();
    std::os::unix::fs::symlink(&outside, fresh.join("handbook.yaml")).unwrap();
    assert_code(&secbook(tmp.path(), &["init", "fresh", "--force"]), 0);
    assert!(
        !fs::symlink_metadata(fresh.join("handbook.yaml"))
            .unwrap()
            .is_symlink()
    );

    assert_eq!(fs::read_to_string(&outside).unwrap(), "someone else's\n");
}

/// A previous output that cannot be removed once the new one is in its place (a folder of
/// it made immutable, or read-only to the user) is not left behind unsaid: the build warns
/// where it is. Marking a folder immutable needs a file system and privileges that allow
/// it (CI's do).
#[test]
fn a_previous_output_that_cannot_be_removed_is_told() {
    let (tmp, hb) = workspace();
    assert_code(&secbook(&hb, &["build", ".", "-o", "../site"]), 0);
    let api = tmp.path().join("site/api");
    let chattr = |flag: &str, path: &Path| {
        std::process::Command::new("chattr")
            .arg(flag)
            .arg(path)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !chattr("+i", &api) {
        eprintln!("skipped: `chattr +i` is not allowed here");
        return;
    }
    let run = secbook(&hb, &["build", ".", "-o", "../site"]);
    let left: Vec<PathBuf> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".site.secbook-"))
        .filter(|p| p.is_dir())
        .collect();
    for old in &left {
        chattr("-i", &old.join("api"));
    }
    chattr("-i", &api);
    assert_code(&run, 0);
    assert_eq!(left.len(), 1, "{left:?}");
    let said = stderr(&run);
    assert!(
        said.contains("could not be removed") && said.contains(&*left[0].to_string_lossy()),
        "{said}"
    );
}

/// A build that fails, or is interrupted (Ctrl-C, SIGTERM), leaves nothing where it was to
/// write: no staging folder, no lock, and none of the folders it made to hold the output.
#[test]
fn a_build_that_does_not_finish_leaves_nothing_behind() {
    let (tmp, hb) = workspace();
    let nothing_beside = |what: &str| {
        let left: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".public") || n.starts_with("new"))
            .collect();
        assert!(left.is_empty(), "{what} left {left:?}");
    };
    let run = secbook(
        &hb,
        &[
            "build",
            ".",
            "-o",
            "../new/a/b/site",
            "--audience",
            "nobody",
        ],
    );
    assert_code(&run, 2);
    nothing_beside("a build for an unknown audience");
    let config = fs::read_to_string(hb.join("handbook.yaml")).unwrap();
    fs::write(hb.join("handbook.yaml"), format!("{config}\ntitle: [\n")).unwrap();
    assert_code(&secbook(&hb, &["build", ".", "-o", "../new/a/site"]), 1);
    nothing_beside("a build with an error");
    fs::write(hb.join("handbook.yaml"), &config).unwrap();

    // Pages enough for the build to be caught while it writes.
    let many = hb.join("docs/content/many");
    fs::create_dir_all(&many).unwrap();
    for i in 0..3000 {
        let page = format!("---\ntitle: Page {i}\n---\n## Part\n\nText of page {i}.\n");
        fs::write(many.join(format!("p{i}.md")), page).unwrap();
    }
    // Once its staging folder is made, and while its threads write the pages into it: none
    // may write after the folder is removed, and make it again.
    let (int, term) = (("INT", 2), ("TERM", 15));
    for ((signal, number), pages) in [(int, 0), (term, 0), (int, 300), (term, 300)] {
        let mut child = common::command()
            .args(["build", ".", "-o", "../public"])
            .current_dir(&hb)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let staging = || {
            fs::read_dir(tmp.path()).unwrap().find_map(|e| {
                let e = e.unwrap();
                let ours = e
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".public.secbook-new");
                ours.then(|| e.path())
            })
        };
        let written = |dir: &Path| fs::read_dir(dir.join("many")).map_or(0, |d| d.count());
        while staging().is_none_or(|dir| written(&dir) < pages)
            && child.try_wait().unwrap().is_none()
        {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(
            staging().is_some(),
            "the build ended before it could be interrupted"
        );
        let kill = std::process::Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let status = child.wait().unwrap();
        // It dies of the signal, which a shell reports as 130 for INT and 143 for TERM.
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(number),
            "{signal}: {status:?}"
        );
        nothing_beside(&format!("{signal} after {pages} pages"));
        assert!(!tmp.path().join("public").exists());
    }
}

/// An output whose name is as long as a file name may be is built, with nothing left beside
/// it: the names secbook keeps beside it are cut to fit. A mount point, which no rename
/// can replace, is refused with what to do instead (when the machine lets the test mount
/// one).
#[test]
fn a_long_name_is_built_and_a_mount_point_is_told() {
    let (tmp, hb) = workspace();
    let long = "o".repeat(250);
    assert_code(
        &secbook(&hb, &["build", ".", "-o", &format!("../{long}")]),
        0,
    );
    assert!(tmp.path().join(&long).join("index.html").is_file());
    assert_code(
        &secbook(&hb, &["build", ".", "-o", &format!("../{long}")]),
        0,
    );
    let beside: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("secbook-"))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");

    let mount_point = tmp.path().join("mounted");
    fs::create_dir(&mount_point).unwrap();
    let mount = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "none"])
        .arg(&mount_point)
        .output();
    if !mount.is_ok_and(|m| m.status.success()) {
        eprintln!("skipped: `mount` is not allowed here");
        return;
    }
    let run = secbook(&hb, &["build", ".", "-o", "../mounted"]);
    let unmount = std::process::Command::new("umount")
        .arg(&mount_point)
        .status();
    assert!(unmount.is_ok_and(|s| s.success()));
    assert_code(&run, 2);
    assert!(
        stderr(&run).contains("is a mount point"),
        "{}",
        stderr(&run)
    );
}

/// The permissions of what a command writes, file by file below `dir` (links not followed).
fn modes(dir: &Path) -> BTreeMap<PathBuf, u32> {
    use std::os::unix::fs::PermissionsExt;
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().to_path_buf(),
                e.metadata().unwrap().permissions().mode() & 0o777,
            )
        })
        .collect()
}

/// Every command makes its files as `cp` or a build does: readable and writable by all
/// that the umask leaves (0644 under umask 022, 0640 under 027), not only by their owner;
/// and a file a command replaces keeps the permissions it had.
#[test]
fn new_files_take_the_umask_and_replaced_files_keep_their_mode() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let run = |umask: &str, args: &[&str]| {
        let out = common::secbook_after(tmp.path(), &format!("umask {umask}"), args);
        assert_code(&out, 0);
    };
    let all = |dir: &Path, mode: u32| {
        let found = modes(dir);
        assert!(!found.is_empty(), "{}", dir.display());
        for (path, m) in found {
            assert_eq!(m, mode, "{} is {m:o}", path.display());
        }
    };
    for (umask, mode) in [("022", 0o644), ("027", 0o640)] {
        let hb = tmp.path().join(format!("hb{umask}"));
        let hb = hb.to_str().unwrap();
        run(umask, &["init", hb]);
        all(Path::new(hb), mode);
        let config = fs::read_to_string(format!("{hb}/handbook.yaml")).unwrap();
        let notify = "notify:\n  from: security@example.com\n  fallback: security@example.com\n";
        fs::write(format!("{hb}/handbook.yaml"), format!("{config}{notify}")).unwrap();
        fs::set_permissions(
            format!("{hb}/handbook.yaml"),
            fs::Permissions::from_mode(mode),
        )
        .unwrap();
        let outbox = format!("{hb}-outbox");
        let base = "https://hb.example.com/";
        run(
            umask,
            &["notify", hb, "--base-url", base, "--outbox", &outbox],
        );
        all(Path::new(&outbox), mode);
        let csv = format!("{hb}-tracker.csv");
        run(umask, &["export", "tracker", hb, "-o", &csv]);
        run(umask, &["build", hb, "-o", &format!("{hb}-site")]);
        run(umask, &["new", "exception", hb, "--title", "A"]);
        all(Path::new(&format!("{hb}-site")), mode);
        assert_eq!(
            modes(Path::new(&csv)).into_values().collect::<Vec<_>>(),
            [mode]
        );
        all(Path::new(hb), mode);
    }
    // Replaced under a umask that would leave only the owner: each keeps what it had.
    let hb = tmp.path().join("hb022");
    let csv = tmp.path().join("hb022-tracker.csv");
    let csv = csv.to_str().unwrap();
    fs::remove_file(hb.join("data/exceptions/EXC-025.yaml")).unwrap();
    run("077", &["init", hb.to_str().unwrap(), "--force"]);
    run(
        "077",
        &["export", "tracker", hb.to_str().unwrap(), "-o", csv],
    );
    all(&hb, 0o644);
    assert_eq!(
        modes(Path::new(csv)).into_values().collect::<Vec<_>>(),
        [0o644]
    );
}

/// A command refuses a folder of the handbook that a link leads out of it before it makes
/// anything there: `new`, `import` and `init --force` leave the place the link leads to as
/// it was, not with empty folders of their own.
#[test]
fn nothing_is_made_where_a_link_leads_out_of_the_handbook() {
    let tmp = tempfile::tempdir().unwrap();
    let ext = tmp.path().join("ext");
    fs::create_dir(&ext).unwrap();
    let hb = tmp.path().join("hb");
    fs::create_dir(&hb).unwrap();
    fs::write(hb.join("handbook.yaml"), "title: Linked\n").unwrap();
    std::os::unix::fs::symlink("../ext", hb.join("data")).unwrap();
    let csv = tmp.path().join("t.csv");
    fs::write(
        &csv,
        "Priority, Status, Decision date, Type of request, Description, Risk Owner, \
         Risk Approvers, Exception Link, Notes\n\
         High, Pending, , Risk extension, VPN flaw, Helen Brooks, , SEC-1, Soon\n",
    )
    .unwrap();
    let fresh = tmp.path().join("fresh");
    fs::create_dir(&fresh).unwrap();
    std::os::unix::fs::symlink("../ext", fresh.join("content")).unwrap();
    let runs: [&[&str]; 3] = [
        &["new", "exception", "hb", "--title", "A"],
        &["import", "tracker", "t.csv", "hb"],
        &["init", "fresh", "--force"],
    ];
    for args in runs {
        let run = secbook(tmp.path(), args);
        assert_code(&run, 2);
        assert!(
            stderr(&run).contains("leads outside the handbook"),
            "{args:?}: {}",
            stderr(&run)
        );
        assert_eq!(fs::read_dir(&ext).unwrap().count(), 0, "{args:?}");
    }
}

/// What is in the way of a write is said plainly, naming the path the user gave: a file
/// where a folder must be, a folder where a file must be, a folder that does not exist;
/// never the system's bare "File exists", nor the name of a temporary file. `-o -` is the
/// standard output, as it is to most commands.
#[test]
fn what_is_in_the_way_of_a_write_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let hb = tmp.path().join("hb");
    copy_example(&hb);
    fs::write(tmp.path().join("afile"), "kept\n").unwrap();
    fs::create_dir(tmp.path().join("adir")).unwrap();
    let small = tmp.path().join("small");
    fs::create_dir_all(&small).unwrap();
    fs::write(small.join("handbook.yaml"), "title: Small\n").unwrap();
    fs::write(small.join("data"), "").unwrap();
    let told: [(&[&str], &str); 6] = [
        (
            &["new", "exception", "small", "--title", "A"],
            "small/data exists and is not a folder",
        ),
        (&["init", "afile/sub"], "afile exists and is not a folder"),
        (
            &["build", "hb", "-o", "afile/site"],
            "afile exists and is not a folder",
        ),
        (
            &["export", "tracker", "hb", "-o", "adir"],
            "adir is a folder: name the file",
        ),
        (
            &["export", "tracker", "hb", "-o", "nope/x.csv"],
            "the folder nope does not exist",
        ),
        (
            &["export", "tracker", "hb", "-o", "afile/x.csv"],
            "afile exists and is not a folder",
        ),
    ];
    for (args, says) in told {
        let run = secbook(tmp.path(), args);
        assert_code(&run, 2);
        let said = stderr(&run);
        assert!(said.contains(says), "{args:?}: {said}");
        assert!(
            !said.contains("os error") && !said.contains("x.csv."),
            "{args:?}: {said}"
        );
    }
    assert_eq!(
        fs::read_to_string(tmp.path().join("afile")).unwrap(),
        "kept\n"
    );

    let run = secbook(&hb, &["export", "tracker", ".", "-o", "-"]);
    assert_code(&run, 0);
    assert!(run.stdout.starts_with(b"Priority, Status"));
    assert!(!hb.join("-").exists());
}

/// The output folder keeps the settings a user gave it to serve it from: its mode (the
/// setgid bit among them) and its group, which every file the build writes takes. A build
/// makes the folder anew, and it came out as any new folder does.
#[test]
fn the_output_folder_keeps_its_mode_and_group() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let tmp = tempfile::tempdir().unwrap();
    let hb = tmp.path().join("hb");
    copy_example(&hb);
    let out = tmp.path().join("public");
    assert_code(&secbook(&hb, &["build", "-o", "../public"]), 0);
    // A group of the machine other than the build's, where this user may give one (root).
    let group = fs::metadata(&out).unwrap().gid() ^ 1;
    let grouped = std::os::unix::fs::chown(&out, None, Some(group)).is_ok();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o2750)).unwrap();
    assert_code(&secbook(&hb, &["build", "-o", "../public"]), 0);
    let meta = fs::metadata(&out).unwrap();
    assert_eq!(meta.mode() & 0o7777, 0o2750);
    if grouped {
        assert_eq!(meta.gid(), group);
        // The marker is written anew by every build (the unchanged pages are taken
        // from the old output as they are).
        let written = fs::metadata(out.join(MARKER)).unwrap();
        assert_eq!(
            written.gid(),
            group,
            "a file written in the folder takes its group"
        );
    }
}

/// An output made in a folder the user may not write into is told of by that folder, not
/// by the lock file secbook would have made there, which the user never named.
#[test]
fn an_unwritable_place_for_the_output_names_its_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let hb = tmp.path().join("hb");
    copy_example(&hb);
    // /sys refuses a new file to every user, root among them.
    let out = secbook(&hb, &["build", "-o", "/sys/secbook-output"]);
    assert_code(&out, 2);
    let said = stderr(&out);
    assert!(
        said.starts_with("error: cannot write into /sys, the folder the output is made in: "),
        "{said}"
    );
    assert!(!said.contains("lock"), "{said}");
}
