//! One loader, whatever holds the handbook: the same files read from disk, from memory and
//! from a git revision give the same site and the same diagnostics, each printed with its
//! file, line and column, byte for byte (a revision's files named `REV:path`).

use std::fs;
use std::path::Path;

use secbook::diagnostics::{Diagnostic, Error};
use secbook::harness;
use secbook::load::disk::Disk;
use secbook::load::git::{Repo, Revision};
use secbook::load::source::{Memory, Source};
use secbook::pipeline::{self, Options};

use crate::common::{self, Files, commit};

/// A build of the handbook in `source`: the site, file by file, when it builds, and every
/// diagnostic as secbook prints it.
fn built(source: &dyn Source) -> (Option<Files>, Vec<String>) {
    let rendered = |diags: &[Diagnostic]| diags.iter().map(Diagnostic::render).collect();
    let generated =
        pipeline::generate_from(source, &Options::default(), Some(common::SOURCE_DATE_EPOCH));
    match generated {
        Ok(site) => (Some(common::files_of(site.files)), rendered(&site.warnings)),
        Err(Error::Invalid(diags)) => (None, rendered(&diags)),
        Err(e) => panic!("the build could not run: {e}"),
    }
}

/// The files of the folder `root`, hidden ones too, in memory.
fn in_memory(root: &Path) -> Memory {
    let mut memory = Memory::new();
    for (name, bytes) in common::files_below(root) {
        memory.insert(name, bytes);
    }
    memory
}

/// The files of the folder `root` at a git revision: copied into a new repository,
/// committed, and read back from git's object database as `HEAD`.
fn at_revision(root: &Path) -> Revision {
    let tmp = tempfile::tempdir().unwrap();
    for (name, bytes) in common::files_below(root) {
        let path = tmp.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
    common::git(tmp.path(), &["init", "-q"], &[]);
    commit(
        tmp.path(),
        "2026-06-01",
        ("Ann", "ann@example.com"),
        "the handbook",
    );
    let Ok(Ok(mut repo)) = Repo::discover(tmp.path()) else {
        panic!("no repository at {}", tmp.path().display())
    };
    let head = repo.resolve("HEAD").unwrap();
    Revision::open(&mut repo, head, "HEAD", &[""], u64::MAX).unwrap()
}

/// [`built`] for a git revision, naming its files as the handbook's own wherever the
/// diagnostics and the site name them.
fn built_at_revision(root: &Path) -> (Option<Files>, Vec<String>) {
    let (site, diags) = built(&at_revision(root));
    let unnamed = |text: &str| text.replace("HEAD:", "");
    let site = site.map(|files| {
        files
            .into_iter()
            .map(|(path, bytes)| match String::from_utf8(bytes) {
                Ok(text) => (path, unnamed(&text).into_bytes()),
                Err(e) => (path, e.into_bytes()),
            })
            .collect()
    });
    (site, diags.iter().map(|d| unnamed(d)).collect())
}

#[test]
fn every_fixture_builds_the_same_from_disk_from_memory_and_from_git() {
    for kind in ["valid", "invalid"] {
        for name in common::fixtures(kind) {
            let root = common::fixture(&format!("{kind}/{name}"));
            let (site, diags) = built(&Disk::new(&root));
            assert_eq!(site.is_some(), kind == "valid", "{kind}/{name}: {diags:#?}");
            let (memory_site, memory_diags) = built(&in_memory(&root));
            assert_eq!(memory_diags, diags, "{kind}/{name}");
            assert!(memory_site == site, "{kind}/{name}: the sites differ");
            let (git_site, git_diags) = built_at_revision(&root);
            assert_eq!(git_diags, diags, "{kind}/{name}, from git");
            assert!(git_site == site, "{kind}/{name}: the site from git differs");
        }
    }
}

#[test]
fn files_a_build_refuses_are_refused_alike_from_disk_memory_and_git() {
    let big = format!("---\ntitle: Big\n---\n{}", "A line.\n".repeat(140_000));
    let files: Vec<(&str, Vec<u8>)> = vec![
        (
            "handbook.yaml",
            format!("{}limits: {{ max_file_mb: 1 }}\n", harness::HANDBOOK_YAML).into(),
        ),
        (
            "content/_index.md",
            format!("\u{feff}{}", harness::HOME).into(),
        ),
        ("content/process.md", harness::PAGE.into()),
        ("content/.draft.md", b"---\ntitle: Hidden\n---\n".to_vec()),
        ("content/big.md", big.into()),
        (
            "content/latin1.md",
            b"---\ntitle: L\n---\nCaf\xe9\n".to_vec(),
        ),
        ("content/logo.png", b"\x89PNG".to_vec()),
        ("data/people.yaml", harness::PEOPLE.into()),
        ("data/exceptions/EXC-001.yaml", harness::EXCEPTION.into()),
        (
            "data/exceptions/EXC-002.yaml",
            b"id: EXC-002\ntitle: [\n".to_vec(),
        ),
        ("data/exceptions/.EXC-003.yaml", b"x".to_vec()),
        (
            "data/exceptions/old/EXC-004.yaml",
            b"id: EXC-004\n".to_vec(),
        ),
        ("data/.gitkeep", Vec::new()),
        ("data/notes.txt", b"x".to_vec()),
        ("data/incidents/INC-001.yaml", harness::INCIDENT.into()),
        ("static/.well-known/security.txt", b"Contact: x".to_vec()),
        ("static/.env", b"SECRET".to_vec()),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let mut memory = Memory::new();
    for (name, bytes) in &files {
        let path = tmp.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, bytes).unwrap();
        memory.insert(*name, bytes.clone());
    }
    let (site, diags) = built(&Disk::new(tmp.path()));
    assert!(site.is_none());
    for expected in [
        "cannot read content/big.md: the file is larger than the limit of 1 MB",
        "cannot read content/latin1.md: it is not UTF-8 text (byte 0xE9 is not UTF-8 here)",
        "content/latin1.md:4:4",
        "data/exceptions/EXC-002.yaml:2:",
        "data/exceptions/.EXC-003.yaml is not read: hidden files and folders are left out",
        "data/exceptions/old/EXC-004.yaml is not read",
        "data/notes.txt is not read",
    ] {
        assert!(
            diags.iter().any(|d| d.contains(expected)),
            "no diagnostic says {expected:?}: {diags:#?}"
        );
    }
    for unread in ["Hidden", ".gitkeep", "SECRET"] {
        assert!(!diags.iter().any(|d| d.contains(unread)), "{diags:#?}");
    }
    assert_eq!(built(&memory), (site.clone(), diags.clone()));
    assert_eq!(built_at_revision(tmp.path()), (site, diags));

    // Without the files it refuses, it builds, the same from both.
    for name in [
        "content/big.md",
        "content/latin1.md",
        "data/exceptions/EXC-002.yaml",
        "data/exceptions/old/EXC-004.yaml",
        "data/notes.txt",
    ] {
        fs::remove_file(tmp.path().join(name)).unwrap();
    }
    let mut memory = Memory::new();
    for (name, bytes) in common::files_below(tmp.path()) {
        memory.insert(name, bytes);
    }
    let (site, diags) = built(&Disk::new(tmp.path()));
    let files = site.as_ref().unwrap_or_else(|| panic!("{diags:#?}"));
    assert_eq!(files["logo.png"], b"\x89PNG");
    assert_eq!(files[".well-known/security.txt"], b"Contact: x");
    assert!(!files.keys().any(|path| path.contains("env")));
    assert_eq!(built(&memory), (site, diags));
}

/// git is read from a handbook's folder on disk only: a handbook in memory with history on
/// is told it has none, and the repository of the folder the build runs in is not read.
#[test]
fn a_handbook_in_memory_reads_no_git() {
    let root = common::fixture("valid/basic");
    let mut memory = in_memory(&root);
    let config = fs::read_to_string(root.join("handbook.yaml")).unwrap();
    memory.insert(
        "handbook.yaml",
        format!("{config}history: {{ enabled: true }}\n"),
    );
    let (site, diags) = built(&memory);
    assert!(site.is_some(), "{diags:#?}");
    assert!(
        diags
            .iter()
            .any(|d| d.contains("history is on, but the handbook is not a folder on disk")),
        "{diags:#?}"
    );
    let site = site.unwrap();
    assert!(!site.contains_key("api/history.json"), "{:?}", site.keys());
}

/// A page saved with a carriage return alone at each line's end (classic Mac OS, some
/// exporters) reads as its editor shows it: its front matter is found, a heading ends at
/// its line, and an error is told at its own line.
#[test]
fn a_page_whose_lines_end_in_a_carriage_return_alone_reads_as_written() {
    let page =
        "---\rtitle: Mac page\r---\r## Scope\rThis runbook covers phishing.\r\r- one\r- two\r";
    let mut hb = harness::Handbook::default();
    hb.pages.push(("mac.md".into(), page.into()));
    let files = harness::build(&hb).unwrap_or_else(|d| panic!("{d:?}"));
    let file = files.iter().find(|f| f.path == "mac/index.html").unwrap();
    let secbook::load::theme::Body::Bytes(bytes) = &file.body else {
        panic!("pages are rendered in memory")
    };
    let html = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(html.contains("<title>Mac page"), "{html}");
    assert!(html.contains("<h2 id=\"scope\">Scope<"), "{html}");
    assert!(
        html.contains("<p>This runbook covers phishing.</p>"),
        "{html}"
    );
    assert!(html.contains("<li>two</li>"), "{html}");

    hb.pages.last_mut().unwrap().1 = "---\rtitle: Mac page\rweight: heavy\r---\rText\r".into();
    let errors = harness::build(&hb).unwrap_err();
    let told: Vec<_> = (errors.iter().filter_map(|d| d.location()))
        .filter(|(file, ..)| file == "content/mac.md")
        .collect();
    assert_eq!(told, [("content/mac.md".to_string(), 3, 9)]);
}

/// Every file of a handbook saved with a carriage return alone at each line's end reads as
/// it does with line feeds: the settings, the records and people, where each carriage
/// return was refused as a control character, every one of them reported, and the pages.
#[test]
fn a_handbook_whose_lines_end_in_a_carriage_return_alone_builds_as_with_line_feeds() {
    let hb = harness::Handbook::default();
    let mac = |text: &String| text.replace('\n', "\r");
    let saved = harness::Handbook {
        config: mac(&hb.config),
        pages: hb.pages.iter().map(|(n, t)| (n.clone(), mac(t))).collect(),
        exceptions: hb
            .exceptions
            .iter()
            .map(|(n, t)| (n.clone(), mac(t)))
            .collect(),
        incidents: hb
            .incidents
            .iter()
            .map(|(n, t)| (n.clone(), mac(t)))
            .collect(),
        people: hb.people.as_ref().map(mac),
    };
    let bodies = |files: Vec<secbook::render::OutputFile>| -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<_> = (files.into_iter())
            .filter_map(|f| match f.body {
                secbook::load::theme::Body::Bytes(b) => Some((f.path, b.to_vec())),
                _ => None,
            })
            .collect();
        out.sort();
        out
    };
    let lf = bodies(harness::build(&hb).unwrap_or_else(|d| panic!("{d:?}")));
    let cr = bodies(harness::build(&saved).unwrap_or_else(|d| panic!("{d:?}")));
    assert!(lf.len() > 10, "{}", lf.len());
    assert_eq!(
        lf.iter().map(|f| &f.0).collect::<Vec<_>>(),
        cr.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (a, b) in lf.iter().zip(&cr) {
        assert!(a.1 == b.1, "{} differs", a.0);
    }
}
