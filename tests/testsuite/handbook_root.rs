//! The handbook a command runs on: DIR when given, else the nearest of the current folder
//! and the folders above it that holds handbook.yaml, as Cargo and Zola find their
//! configuration. Run from a subfolder, a command does and says what it does when run
//! from the handbook's folder; the paths given on the command line still mean what they
//! mean where it was run.

use std::fs;
use std::path::Path;

use crate::common::{assert_code, describe, secbook, secbook_after, stderr};

/// The starter handbook in `tmp/hb`, with notify settings, and its content/exceptions/.
fn starter(tmp: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    assert_code(&secbook(tmp, &["init", "hb"]), 0);
    let hb = tmp.join("hb");
    let config = fs::read_to_string(hb.join("handbook.yaml")).unwrap();
    let notify = "notify:\n  from: security@example.com\n  fallback: security@example.com\n";
    fs::write(hb.join("handbook.yaml"), format!("{config}{notify}")).unwrap();
    let sub = hb.join("content/exceptions");
    assert!(sub.is_dir());
    (hb, sub)
}

#[track_caller]
fn said(out: &std::process::Output, what: &str) {
    assert!(stderr(out).contains(what), "{what}: {}", describe(out));
}

#[test]
fn a_command_run_in_a_subfolder_runs_on_the_handbook_above_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (hb, sub) = starter(tmp.path());

    let out = secbook(&sub, &["build"]);
    assert_code(&out, 0);
    said(&out, " into ../../public (as of 2026-06-30");
    assert!(hb.join("public/index.html").is_file());
    assert!(!sub.join("public").exists());
    // A path the command line gives is where it was run, as with DIR given.
    let out = secbook(&sub, &["build", "-o", "../../../site"]);
    assert_code(&out, 0);
    said(&out, " into ../../../site (as of");
    assert!(tmp.path().join("site/index.html").is_file());

    let out = secbook(&sub, &["check"]);
    assert_code(&out, 0);
    said(&out, "no errors (as of 2026-06-30)");
    let out = secbook(&sub, &["report"]);
    assert_code(&out, 0);
    assert!(!out.stdout.is_empty());

    let out = secbook(&sub, &["export", "tracker", "-o", "../../../tracker.csv"]);
    assert_code(&out, 0);
    said(&out, " to ../../../tracker.csv");
    assert!(tmp.path().join("tracker.csv").is_file());
    // Written where it was asked for, which is in the handbook's content/: refused.
    let out = secbook(&sub, &["export", "tracker", "-o", "tracker.csv"]);
    assert_code(&out, 2);
    said(&out, "tracker.csv is inside the handbook's content/");
    let out = secbook(&sub, &["export", "poam", "-o", "-"]);
    assert_code(&out, 0);
    assert!(out.stdout.starts_with(b"{"));

    // Every row is in the register already: each is skipped, and the file was found.
    let out = secbook(&sub, &["import", "tracker", "../../../tracker.csv"]);
    assert_code(&out, 0);
    said(&out, "from ../../../tracker.csv");

    // The path on the standard output is for a script or an editor run here.
    let out = secbook(&sub, &["new", "exception", "--title", "Legacy TLS"]);
    assert_code(&out, 0);
    said(&out, "wrote data/exceptions/EXC-025.yaml");
    let printed = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(printed, "../../data/exceptions/EXC-025.yaml\n");
    assert!(sub.join(printed.trim_end()).is_file());
    fs::remove_file(hb.join("data/exceptions/EXC-025.yaml")).unwrap();

    let base = "https://hb.example.com/";
    let out = secbook(
        &sub,
        &["notify", "--base-url", base, "--outbox", "../../../mail"],
    );
    assert_code(&out, 0);
    said(&out, " to ../../../mail (as of");
    assert!(tmp.path().join("mail/.secbook-output").is_file());

    let server = crate::serve::spawn(&sub, &[], None);
    let (status, home) = crate::serve::get(server.port, "/");
    assert_eq!(status, 200);
    assert!(home.contains("Example Corp Security Handbook"), "{home}");
}

/// A folder given as DIR is the handbook or an error, even inside a handbook; and that
/// error, like the one outside any handbook, does not suggest starting a handbook there.
#[test]
fn a_folder_that_is_no_handbook_is_an_error_that_says_where_it_looked() {
    let tmp = tempfile::tempdir().unwrap();
    let (hb, sub) = starter(tmp.path());
    let out = secbook(&hb, &["build", "content"]);
    assert_code(&out, 2);
    said(&out, "content is not a handbook: it has no handbook.yaml");
    said(&out, "it is inside the handbook at ");
    assert!(!stderr(&out).contains("secbook init"), "{}", describe(&out));
    assert!(!hb.join("content/public").exists());
    assert!(!sub.join("public").exists());

    let outside = tmp.path().join("elsewhere/deeper");
    fs::create_dir_all(&outside).unwrap();
    let out = secbook(&outside, &["build"]);
    assert_code(&out, 2);
    let cwd = outside.canonicalize().unwrap();
    said(
        &out,
        &format!(
            "no handbook.yaml in {} or any folder above it",
            cwd.display()
        ),
    );
    said(&out, "`secbook init NEW-FOLDER`");
    assert!(!outside.join("public").exists());
}

/// Run in its own output, a build replaces the folder the shell is in: the next command is
/// told so, and `-o ..` from there is the handbook folder, refused as such.
#[test]
fn a_command_run_in_the_output_it_replaced_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let (hb, _) = starter(tmp.path());
    let public = hb.join("public");
    assert_code(&secbook(&hb, &["build"]), 0);
    let out = secbook(&public, &["build", "-o", ".."]);
    assert_code(&out, 2);
    said(&out, ".. is the handbook folder");
    // The shell's build replaces public/; the next runs in the folder that was.
    let out = secbook_after(&public, "\"$0\" build 2>/dev/null", &["build"]);
    assert_code(&out, 2);
    said(&out, "the current folder no longer exists");
}

/// A folder named handbook.yaml on the way up is not a handbook: the search goes on above it.
#[test]
fn a_folder_named_handbook_yaml_is_passed_by() {
    let tmp = tempfile::tempdir().unwrap();
    let (hb, sub) = starter(tmp.path());
    fs::create_dir(sub.join("handbook.yaml")).unwrap();
    let out = secbook(&sub, &["check"]);
    assert_code(&out, 0);
    assert!(hb.join("content/exceptions/handbook.yaml").is_dir());
}

/// A handbook.yaml that is a link to nothing, or a loop of links, is this folder's, and is
/// told as such: the handbook above is not checked in its place.
#[test]
fn a_broken_handbook_yaml_is_told_not_passed_by() {
    let tmp = tempfile::tempdir().unwrap();
    let (_hb, sub) = starter(tmp.path());
    for target in ["missing.yaml", "handbook.yaml"] {
        let _ = fs::remove_file(sub.join("handbook.yaml"));
        std::os::unix::fs::symlink(target, sub.join("handbook.yaml")).unwrap();
        let out = secbook(&sub, &["check"]);
        assert_code(&out, 2);
        said(
            &out,
            "handbook.yaml is a symbolic link to nothing, or a loop of links",
        );
    }
}
