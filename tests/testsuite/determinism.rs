//! The same inputs and the same as-of date give byte-identical output (SPEC 2), wherever
//! the handbook is checked out: the example handbook at the repository's root, copied to
//! two folders at different paths and depths, the second with its lines ended as a Windows
//! checkout (`core.autocrlf`) ends them, built once from each with a different number of
//! worker threads, gives the same files, byte for byte.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::{self, copy_dir, copy_example, files_below};

#[test]
fn two_checkouts_build_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("a");
    let second = tmp.path().join("checkouts/second one/handbook");
    // One snapshot of the repository's handbook, copied twice: its files may be edited
    // while the test runs.
    copy_example(&first);
    copy_dir(&first, &second);
    let mut crlf = 0;
    for (rel, bytes) in files_below(&second) {
        let text = rel.ends_with(".md") || rel.ends_with(".yaml") || rel.ends_with(".html");
        if text && !rel.contains("/static/") {
            let windows = String::from_utf8(bytes).unwrap().replace('\n', "\r\n");
            std::fs::write(second.join(&rel), windows).unwrap();
            crlf += 1;
        }
    }
    assert!(crlf > 50, "only {crlf} files ended by CRLF");

    let build = |root: &Path, out: &Path, threads: &str| {
        let run = common::command()
            .arg("build")
            .arg(root)
            .arg("-o")
            .arg(out)
            .current_dir(root.parent().unwrap())
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        files_below(out)
    };
    let one = build(&first, &tmp.path().join("out-a"), "1");
    let two = build(&second, &tmp.path().join("elsewhere/out-b"), "3");
    assert!(one.len() > 100, "only {} files", one.len());
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&one), names(&two));
    for (path, bytes) in &one {
        assert!(
            &two[path] == bytes,
            "{path} differs between the two checkouts"
        );
        // Nothing of the checkout's place leaks into the site.
        let text = String::from_utf8_lossy(bytes);
        for place in [tmp.path().to_string_lossy(), "second one".into()] {
            assert!(!text.contains(place.as_ref()), "{path} names {place}");
        }
    }
}
