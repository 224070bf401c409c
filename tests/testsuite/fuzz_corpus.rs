//! The fuzz targets of fuzz/ as regression tests: every file of their checked-in corpus
//! (fuzz/corpus/<target>/) goes through the entry point its target calls
//! (`secbook::harness`), with the whole build, and must not panic. A fuzz run needs a
//! nightly compiler and minutes; this needs neither. Below, one test for each problem the
//! fuzzers found, with the input that showed it, cut down to its essence.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use secbook::diagnostics::{Diagnostic, Level};
use secbook::harness;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus");

/// The files of one target's corpus, in name order.
fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(CORPUS).join(target);
    let mut paths: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "the corpus of {target} is empty");
    paths
}

/// Runs `entry` on every file of one target's corpus, naming the file that panics.
fn each_input(target: &str, entry: impl Fn(&str) + std::panic::RefUnwindSafe) {
    for path in corpus(target) {
        let bytes = fs::read(&path).unwrap();
        // As the fuzz targets do: bytes that are not UTF-8 are replaced.
        let text = String::from_utf8_lossy(&bytes);
        if std::panic::catch_unwind(|| entry(&text)).is_err() {
            panic!("{} panics", path.display());
        }
    }
}

#[test]
fn page_corpus() {
    each_input("page", |text| {
        harness::page(text, true);
    });
}

#[test]
fn exception_corpus() {
    each_input("exception", |text| {
        harness::exception(text, true);
    });
}

#[test]
fn incident_corpus() {
    each_input("incident", |text| {
        harness::incident(text, true);
    });
}

#[test]
fn handbook_yaml_corpus() {
    each_input("handbook_yaml", |text| {
        harness::handbook_yaml(text, true);
    });
}

#[test]
fn tracker_csv_corpus() {
    each_input("tracker_csv", |text| {
        if let Err(bug) = harness::tracker_csv(text) {
            panic!("{bug}");
        }
    });
}

/// Runs every file of a slowness target's corpus as that target does, grown to a quarter of
/// the fuzzers' size (this is a debug build), naming the file that panics or does not
/// finish. Work that grows with the square of its input takes many minutes on these inputs
/// where the linear build takes a second or two, so the deadline is far from both.
fn each_amplified(target: &str, entry: fn(&str, bool) -> Vec<Diagnostic>) {
    const DEADLINE: Duration = Duration::from_secs(60);
    for path in corpus(target) {
        let text = harness::amplify(&fs::read(&path).unwrap(), harness::AMPLIFIED_BYTES / 4);
        let (done, finished) = mpsc::channel();
        thread::spawn(move || {
            entry(&text, true);
            let _ = done.send(());
        });
        match finished.recv_timeout(DEADLINE) {
            Ok(()) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{} panics", path.display()),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("{} takes more than {DEADLINE:?}", path.display())
            }
        }
    }
}

#[test]
fn page_amplified_corpus() {
    each_amplified("page_amplified", harness::page);
}

#[test]
fn exception_amplified_corpus() {
    each_amplified("exception_amplified", harness::exception);
}

/// The errors among `diags`.
fn errors(diags: &[Diagnostic]) -> Vec<&str> {
    diags
        .iter()
        .filter(|d| d.level == Level::Error)
        .map(|d| d.message.as_str())
        .collect()
}

#[test]
fn the_example_records_render_in_the_small_handbook() {
    // The deep runs render only what loads without an error, so the records the corpus
    // starts from must: the small handbook adds what they name.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (folder, entry) in [
        (
            "data/exceptions",
            harness::exception as fn(&str, bool) -> Vec<Diagnostic>,
        ),
        ("data/incidents", harness::incident),
    ] {
        for file in fs::read_dir(root.join(folder)).unwrap() {
            let path = file.unwrap().path();
            let text = fs::read_to_string(&path).unwrap();
            let diags = entry(&text, true);
            assert_eq!(errors(&diags), Vec::<&str>::new(), "{}", path.display());
        }
    }
}

#[test]
fn the_example_pages_render_in_the_small_handbook() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    let mut stack = vec![root];
    let mut rendered = 0;
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = fs::read_to_string(&path).unwrap();
            if errors(&harness::page(&text, true)).is_empty() {
                rendered += 1;
            }
        }
    }
    // Pages that link to files, or to two anchors of one page, are left unrendered.
    assert!(rendered >= 15, "only {rendered} pages render");
}

// ---------------------------------------------------------------------------------------
// Findings

/// Fuzzing `incident` found: an incident whose lifecycle ran backwards by two thousand
/// years (`started: 4050-...`) loaded with an error, but was still rendered, and the chart
/// of the time to detect drew a bar of minus seventeen million hours: plotters overflowed
/// an `i32` mapping it to pixels and panicked. Fixed in `build::render_site`: a handbook
/// with errors is not rendered, so the charts only see durations validation allows.
#[test]
fn finding_incident_lifecycle_backwards_by_millennia() {
    for (field, stamp) in [
        ("started", "4050-06-11T02:14:00-07:00"),
        // The last and the first dates there are (in every timezone).
        ("detected", "9999-12-30T23:59:59+14:00"),
        ("responded", "1900-01-01"),
    ] {
        let mut text: String = harness::INCIDENT
            .lines()
            .filter(|l| !l.starts_with(&format!("{field}:")))
            .map(|l| format!("{l}\n"))
            .collect();
        text.push_str(&format!("{field}: {stamp}\n"));
        let diags = harness::incident(&text, true);
        assert!(
            errors(&diags)
                .iter()
                .any(|m| m.contains("dates must not run backwards")),
            "{field}: {:?}",
            errors(&diags)
        );
    }
}
