//! `serve` rebuilds through a cache of the last build (pipeline::generate_cached). A rebuild
//! must give exactly the files a fresh build gives, whatever changed, and must render again
//! only what the change touched: a page's text, that page; a page's title, every page (the
//! sidebar shows it); a record, what shows the record.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::common;
use secbook::load::theme::Body;
use secbook::model::date::Date;
use secbook::model::finding::Finding;
use secbook::pipeline::{self, Cache, Generated, Options};

/// A copy of the repository's handbook, with the options that build it.
fn handbook() -> (tempfile::TempDir, Options) {
    let tmp = tempfile::tempdir().unwrap();
    common::copy_example(tmp.path());
    let options = Options {
        root: tmp.path().to_path_buf(),
        as_of: Date::parse("2026-06-30"),
        ..Options::default()
    };
    (tmp, options)
}

fn files(generated: &Generated) -> BTreeMap<String, Vec<u8>> {
    generated
        .files
        .iter()
        .map(|f| {
            let bytes = match &f.body {
                Body::Bytes(b) => b.to_vec(),
                Body::Copy(from) => fs::read(&from.path).unwrap(),
                Body::Parts(parts) => parts.concat(),
            };
            (f.path.clone(), bytes)
        })
        .collect()
}

/// Rebuilds through `cache` and checks the files against a fresh build. Returns how many
/// files were made again rather than taken from the cache, and how many there are.
#[track_caller]
fn rebuild(options: &Options, cache: &mut Cache) -> (usize, usize) {
    let (made, all, _) = rebuild_files(options, cache);
    (made, all)
}

/// [`rebuild`], with the findings checked against a fresh build's too, and the files.
#[track_caller]
fn rebuild_files(
    options: &Options,
    cache: &mut Cache,
) -> (usize, usize, BTreeMap<String, Vec<u8>>) {
    let cached = pipeline::generate_cached(options, cache).unwrap();
    let fresh = pipeline::generate(options).unwrap();
    let findings = |generated: &Generated| {
        let found = generated.findings.iter();
        found
            .map(|f| {
                (
                    f.code,
                    f.level,
                    f.line,
                    f.subject.clone(),
                    f.message.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        findings(&cached),
        findings(&fresh),
        "the findings of a fresh build"
    );
    let (cached_files, fresh_files) = (files(&cached), files(&fresh));
    assert_eq!(
        cached_files.keys().collect::<Vec<_>>(),
        fresh_files.keys().collect::<Vec<_>>(),
        "the rebuild holds the same paths as a fresh build"
    );
    for (path, bytes) in &fresh_files {
        assert!(
            cached_files[path] == *bytes,
            "{path} differs from a fresh build"
        );
    }
    (
        cached.file_count - cached.reused,
        cached.file_count,
        fresh_files,
    )
}

fn edit(path: &Path, change: impl FnOnce(String) -> String) {
    let text = fs::read_to_string(path).unwrap();
    fs::write(path, change(text)).unwrap();
}

#[test]
fn a_rebuild_gives_the_files_of_a_fresh_build_and_renders_only_what_changed() {
    let (tmp, options) = handbook();
    let root = tmp.path();
    let mut cache = Cache::default();
    let first = pipeline::generate_cached(&options, &mut cache).unwrap();
    assert_eq!(first.reused, 0, "an empty cache reuses nothing");

    // Nothing changed: what is rendered again is what is never cached (charts, feeds,
    // search, exports), and the same next time.
    let (idle, _) = rebuild(&options, &mut cache);
    assert!(
        idle < first.file_count / 2,
        "{idle} of {}",
        first.file_count
    );
    assert_eq!(rebuild(&options, &mut cache).0, idle);

    // A page's text: that page.
    let page = root.join("content/incident-response/roles.md");
    edit(&page, |t| t + "\nA sentence added in the test.\n");
    assert_eq!(rebuild(&options, &mut cache).0, idle + 1);

    // A page's title shows in every page's sidebar: everything but the exports (feeds,
    // calendar, OSCAL, API, tracker), which show no page.
    edit(&page, |t| t.replacen("title: ", "title: Renamed ", 1));
    let (made, all) = rebuild(&options, &mut cache);
    assert!(made > all - 20 && made < all, "{made} of {all} made again");

    // A record's title: its page, the registries and the pages that list it, not the
    // handbook's pages.
    edit(&root.join("data/exceptions/EXC-001.yaml"), |t| {
        t.replacen("title: ", "title: Edited ", 1)
    });
    let (record, _) = rebuild(&options, &mut cache);
    assert!(
        record > idle + 1 && record < idle + 40,
        "{record} (idle {idle})"
    );

    // A record's Markdown: its page shows it as HTML, which is not what it is
    // fingerprinted by.
    edit(&root.join("data/exceptions/EXC-002.yaml"), |t| {
        t.replacen(
            "summary: |\n",
            "summary: |\n  A [link](../exceptions/filing.md) added.\n",
            1,
        )
    });
    rebuild(&options, &mut cache);

    // data/people.yaml fills in an approval's level where the record leaves it out, and
    // the policy check on the record's page shows it.
    let approval = "  - name: Samuel Adeyemi\n    email: samuel.adeyemi@example.com\n    role: Business risk approver\n    side: business\n    level: executive\n";
    edit(&root.join("data/exceptions/EXC-013.yaml"), |t| {
        assert!(t.contains(approval));
        t.replacen(approval, &approval.replace("    level: executive\n", ""), 1)
    });
    rebuild(&options, &mut cache);
    edit(&root.join("data/people.yaml"), |t| {
        let samuel = "title: Chief Technology Officer\n  side: business\n  level: executive";
        assert!(t.contains(samuel));
        t.replacen(samuel, &samuel.replace("executive", "manager"), 1)
    });
    let (people, _) = rebuild(&options, &mut cache);
    assert!(people > idle, "{people} (idle {idle})");

    // A page's heading, which a record's link may name.
    edit(&root.join("content/exceptions/filing.md"), |t| {
        t + "\n## A heading added\n"
    });
    rebuild(&options, &mut cache);

    // A template: every page it makes, and only those.
    edit(&root.join("themes/default/templates/page.html"), |t| {
        t.replacen(
            "{% endblock content %}",
            "<!-- edited -->{% endblock content %}",
            1,
        )
    });
    let (template, _) = rebuild(&options, &mut cache);
    assert!(template > idle + 10, "{template} (idle {idle})");

    // Pages come and go.
    fs::write(
        root.join("content/new-page.md"),
        "---\ntitle: New\n---\nNew text.\n",
    )
    .unwrap();
    rebuild(&options, &mut cache);
    fs::remove_file(root.join("content/new-page.md")).unwrap();
    rebuild(&options, &mut cache);

    // The configuration: everything.
    edit(&root.join("handbook.yaml"), |t| {
        t.replacen("title: ", "title: New ", 1)
    });
    let (made, all) = rebuild(&options, &mut cache);
    assert_eq!(made, all);
}

#[test]
fn a_watcher_that_names_the_changed_files_spares_looking_at_the_others() {
    let (tmp, options) = handbook();
    let root = tmp.path();
    let mut cache = Cache::default();
    pipeline::generate_cached(&options, &mut cache).unwrap();
    let (idle, _) = rebuild(&options, &mut cache);

    let page: PathBuf = root.join("content/exceptions/filing.md");
    edit(&page, |t| t + "\nSeen through the watcher.\n");
    cache.changed(HashSet::from([page.clone()]));
    assert_eq!(rebuild(&options, &mut cache).0, idle + 1);

    // So do records: only the record named is read again, and the rebuild is a fresh
    // build's.
    let record = root.join("data/incidents/INC-001.yaml");
    edit(&record, |t| t.replacen("title: ", "title: Seen ", 1));
    cache.changed(HashSet::from([record]));
    assert!(rebuild(&options, &mut cache).0 > idle + 1);
    let added = root.join("data/exceptions/EXC-900.yaml");
    let copied = fs::read_to_string(root.join("data/exceptions/EXC-001.yaml")).unwrap();
    fs::write(&added, copied.replacen("id: EXC-001", "id: EXC-900", 1)).unwrap();
    cache.changed(HashSet::from([added.clone()]));
    rebuild(&options, &mut cache);
    fs::remove_file(&added).unwrap();
    cache.changed(HashSet::from([added]));
    rebuild(&options, &mut cache);

    // An editor's save through a temporary file renamed over the record, and one that
    // leaves a file behind, which the build then reports.
    let record = root.join("data/incidents/INC-001.yaml");
    let temporary = root.join("data/incidents/.INC-001.yaml.tmp");
    let saved = fs::read_to_string(&record)
        .unwrap()
        .replacen("title: ", "title: Saved ", 1);
    fs::write(&temporary, &saved).unwrap();
    fs::rename(&temporary, &record).unwrap();
    cache.changed(HashSet::from([temporary.clone(), record.clone()]));
    rebuild(&options, &mut cache);
    fs::write(&temporary, &saved).unwrap();
    cache.changed(HashSet::from([temporary.clone()]));
    let left = pipeline::generate_cached(&options, &mut cache).unwrap();
    assert!(
        left.warnings
            .iter()
            .any(|w| w.message.contains(".INC-001.yaml.tmp")),
        "the file left behind is reported"
    );
    fs::remove_file(&temporary).unwrap();
    cache.changed(HashSet::from([temporary]));
    rebuild(&options, &mut cache);

    // A file copied from beside the pages, and then gone: the listing does not hold it.
    let copied = root.join("content/exceptions/figure.txt");
    fs::write(&copied, "A figure.").unwrap();
    cache.changed(HashSet::from([copied.clone()]));
    rebuild(&options, &mut cache);
    fs::remove_file(&copied).unwrap();
    cache.changed(HashSet::from([copied]));
    rebuild(&options, &mut cache);

    // A new page is a path the last build did not list: the folder is listed again.
    let added = root.join("content/exceptions/added.md");
    fs::write(&added, "---\ntitle: Added\n---\nAdded.\n").unwrap();
    cache.changed(HashSet::from([added]));
    let with_new = pipeline::generate_cached(&options, &mut cache).unwrap();
    assert!(
        with_new
            .files
            .iter()
            .any(|f| f.path == "exceptions/added/index.html"),
        "the added page is built"
    );
}

#[test]
fn an_edit_within_the_file_systems_clock_tick_is_not_missed() {
    let (tmp, options) = handbook();
    let page = tmp.path().join("content/exceptions/definitions.md");
    let stamp = fs::metadata(&page).unwrap().modified().unwrap();
    let mut cache = Cache::default();
    pipeline::generate_cached(&options, &mut cache).unwrap();

    // The same size and the same modification time: only the content tells.
    let size = fs::metadata(&page).unwrap().len();
    edit(&page, |t| {
        t.replacen("title: ", "title: X", 1)
            .replacen("\n\n", "\n", 1)
    });
    assert_eq!(fs::metadata(&page).unwrap().len(), size);
    fs::File::options()
        .write(true)
        .open(&page)
        .unwrap()
        .set_modified(stamp)
        .unwrap();
    let rebuilt = pipeline::generate_cached(&options, &mut cache).unwrap();
    let html = files(&rebuilt)["exceptions/definitions/index.html"].clone();
    assert!(
        String::from_utf8(html)
            .unwrap()
            .contains("<h1>XDefinitions and Roles</h1>"),
        "the edit shows"
    );
}

/// An owner's pages, when rows move between them or pages come and go, are those of a
/// fresh build: each page is fingerprinted by the rows it shows.
#[test]
fn an_owners_pages_follow_an_edit_that_moves_their_rows() {
    let book = crate::scale::register(560, 10);
    let options = Options {
        root: book.dir.clone(),
        ..Options::default()
    };
    let mut cache = Cache::default();
    let first = pipeline::generate_cached(&options, &mut cache).unwrap();
    let pages = |generated: &Generated| {
        generated
            .files
            .iter()
            .filter(|f| f.path.starts_with("owners/ann@example.com/page/"))
            .count()
    };
    assert_eq!(pages(&first), 1, "Ann's pending exceptions fill two pages");
    // One of them decided: it leaves what needs action for the rest of the list.
    edit(&book.dir.join("data/exceptions/EXC-00250.yaml"), |t| {
        t.replacen(
            "status: pending\n",
            "status: denied\ndecided: 2026-02-01\n",
            1,
        )
    });
    rebuild(&options, &mut cache);
    // Fewer: one page is enough, and the second is gone.
    for i in (0..560).step_by(5).skip(90) {
        fs::remove_file(book.dir.join(format!("data/exceptions/EXC-{i:05}.yaml"))).unwrap();
    }
    rebuild(&options, &mut cache);
    let fewer = pipeline::generate_cached(&options, &mut cache).unwrap();
    assert_eq!(pages(&fewer), 0);
}

/// The registers' pages and the records' findings, which a rebuild keeps whole while what
/// they read is unchanged, follow each thing they read: a page edit that changes none of
/// it keeps them, and each edit below changes a page of theirs, which must then be a fresh
/// build's.
#[test]
fn what_a_rebuild_keeps_of_the_records_follows_all_they_read() {
    let (tmp, mut options) = handbook();
    let root = tmp.path();
    // The whole handbook, whose findings are the ones kept: `security` reads it all.
    options.audience = Some("security".into());
    // A section with more pages than the sidebar lists, so that the title of its last
    // page is not in every page's sidebar; an incident names that page.
    for i in 0..30 {
        let page = format!(
            "---\ntitle: Extra {i:02}\nweight: {}\n---\nText {i}.\n",
            100 + i
        );
        fs::write(
            root.join(format!("content/incident-response/extra-{i:02}.md")),
            page,
        )
        .unwrap();
    }
    edit(&root.join("data/incidents/INC-003.yaml"), |t| {
        t.replacen(
            "  pages:\n",
            "  pages:\n    - incident-response/extra-29.md\n",
            1,
        )
    });
    let mut cache = Cache::default();
    pipeline::generate_cached(&options, &mut cache).unwrap();
    let (_, _, mut was) = rebuild_files(&options, &mut cache);

    // Each edit, then a page it must change.
    let mut changes = |options: &Options, cache: &mut Cache, path: &str| {
        let (_, _, now) = rebuild_files(options, cache);
        assert_ne!(was.get(path), now.get(path), "the edit changes {path}");
        was = now;
    };

    // A page's text: the registers are kept.
    let workflow = root.join("content/incident-response/workflow.md");
    edit(&workflow, |t| t + "\nA sentence added.\n");
    let (made, _) = rebuild(&options, &mut cache);
    assert!(made < 40, "{made} made again");

    // A link from a page to a record classified above it, and then none: a finding that
    // the status page lists comes and goes.
    let link = "\nSee [the broker](incident:INC-018).\n";
    edit(&workflow, |t| t + link);
    changes(&options, &mut cache, "status/index.html");
    edit(&workflow, |t| t.replace(link, ""));
    changes(&options, &mut cache, "status/index.html");

    // A page's title that only the pages naming it show.
    edit(&root.join("content/incident-response/extra-29.md"), |t| {
        t.replacen("title: Extra 29", "title: Retitled", 1)
    });
    changes(&options, &mut cache, "incidents/INC-003/index.html");

    // The text of a register's own section, which its page shows.
    edit(&root.join("content/exceptions/_index.md"), |t| {
        t + "\nA sentence for the registry.\n"
    });
    changes(&options, &mut cache, "exceptions/index.html");

    // Its title, which the trail of each record's page shows.
    edit(&root.join("content/exceptions/_index.md"), |t| {
        t.replacen("title: Security Exceptions", "title: Exceptions Granted", 1)
    });
    changes(&options, &mut cache, "exceptions/EXC-005/index.html");

    // A page's review date, which makes a finding that the status page lists.
    edit(&workflow, |t| {
        t.replacen("review_by: 2026-12-31", "review_by: 2026-01-31", 1)
    });
    changes(&options, &mut cache, "status/index.html");

    // A record that another names: the other's page shows its title.
    edit(&root.join("data/exceptions/EXC-005.yaml"), |t| {
        t.replacen("title: ", "title: Renamed ", 1)
    });
    changes(&options, &mut cache, "incidents/INC-004/index.html");

    // data/people.yaml: a risk owner who left, which is a finding on their records.
    edit(&root.join("data/people.yaml"), |t| {
        let laura = "  manager: Jun Park\n";
        assert!(t.contains(laura));
        t.replacen(laura, &format!("{laura}  departed: 2026-02-01\n"), 1)
    });
    changes(&options, &mut cache, "exceptions/EXC-005/index.html");

    // A record's link to a heading that is not there yet, then is: the error goes.
    edit(&root.join("data/exceptions/EXC-002.yaml"), |t| {
        let link = "  See [the later part](../exceptions/filing.md#a-later-heading).\n";
        t.replacen("summary: |\n", &format!("summary: |\n{link}"), 1)
    });
    let error = |generated: Result<Generated, _>| match generated {
        Err(secbook::diagnostics::Error::Invalid(diags)) => diags
            .iter()
            .map(|d| d.message.clone())
            .filter(|m| m.contains("a-later-heading"))
            .collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    let cached = error(pipeline::generate_cached(&options, &mut cache));
    assert!(!cached.is_empty(), "the link is reported");
    assert_eq!(cached, error(pipeline::generate(&options)));
    edit(&root.join("content/exceptions/filing.md"), |t| {
        t + "\n## A later heading\n"
    });
    changes(&options, &mut cache, "exceptions/EXC-002/index.html");

    // The as-of day, which `serve` takes from the clock: states and findings move with it.
    options.as_of = Date::parse("2026-09-30");
    changes(&options, &mut cache, "exceptions/EXC-005/index.html");

    // handbook.yaml: a lint's level, which decides whether a finding is raised.
    edit(&root.join("handbook.yaml"), |t| {
        t.replacen("exception.expired: warn", "exception.expired: allow", 1)
    });
    changes(&options, &mut cache, "exceptions/EXC-005/index.html");

    // An exception's state and an incident's status, which the page of each record linked
    // with it shows as a badge: all that the exceptions' and the incidents' pages read of
    // the other kind, besides titles and which records name which.
    edit(&root.join("data/exceptions/EXC-005.yaml"), |t| {
        t.replacen("expires: 2026-04-11", "expires: 2026-12-11", 1)
    });
    changes(&options, &mut cache, "incidents/INC-004/index.html");
    edit(&root.join("data/incidents/INC-004.yaml"), |t| {
        let closed = "status: closed\n";
        assert!(t.contains(closed));
        let t = t.replacen(closed, "status: resolved\n", 1);
        t.replacen("closed: 2025-05-30T12:00:00-07:00\n", "", 1)
    });
    changes(&options, &mut cache, "exceptions/EXC-005/index.html");
}

#[test]
fn a_records_link_to_a_heading_follows_a_page_edit_that_renames_it() {
    let (tmp, options) = handbook();
    let root = tmp.path();
    edit(&root.join("data/exceptions/EXC-002.yaml"), |t| {
        let link = "  See [where to ask](../exceptions/filing.md#getting-help).\n";
        t.replacen("summary: |\n", &format!("summary: |\n{link}"), 1)
    });
    // The records a rebuild takes as they were: the same values.
    settle(&root.join("data"));
    let mut cache = Cache::default();
    pipeline::generate_cached(&options, &mut cache).unwrap();
    rebuild(&options, &mut cache);

    // The heading is renamed: the records are the same, the link's check is not.
    let filing = root.join("content/exceptions/filing.md");
    edit(&filing, |t| {
        t.replacen("## Getting help", "## Where to ask", 1)
    });
    let cached = errors(pipeline::generate_cached(&options, &mut cache));
    assert!(cached.contains("getting-help"), "{cached}");
    assert_eq!(cached, errors(pipeline::generate(&options)));
}

/// A page's headings yield to the ids of the template it is shown in: a theme edit that
/// gives the template one of them reads the page again.
#[test]
fn a_theme_edit_that_takes_a_headings_id_moves_the_heading() {
    let (tmp, options) = handbook();
    let root = tmp.path();
    // The pages a rebuild would take as they were, were it not for the theme.
    settle(&root.join("content"));
    let mut cache = Cache::default();
    let (_, _, files) = rebuild_files(&options, &mut cache);
    let home = |files: &BTreeMap<String, Vec<u8>>| String::from_utf8(files["index.html"].clone());
    assert!(home(&files).unwrap().contains("<h2 id=\"the-records\">"));

    let theme = root.join("themes/default/templates");
    fs::create_dir_all(&theme).unwrap();
    fs::write(
        theme.join("index.html"),
        "{% extends \"section.html\" %}{% block after_content %}<p id=\"the-records\">Records</p>{% endblock after_content %}",
    )
    .unwrap();
    let (_, _, files) = rebuild_files(&options, &mut cache);
    let home = home(&files).unwrap();
    assert!(home.contains("<h2 id=\"the-records-1\">"), "{home}");
    assert!(home.contains("<p id=\"the-records\">"), "{home}");
}

#[test]
fn a_rebuild_after_the_last_record_goes_drops_its_findings() {
    let (tmp, mut options) = handbook();
    options.audience = Some("security".into());
    let root = tmp.path();
    let last = root.join("data/incidents/INC-020.yaml");
    let copied = fs::read_to_string(root.join("data/incidents/INC-018.yaml")).unwrap();
    fs::write(&last, copied.replacen("id: INC-018", "id: INC-020", 1)).unwrap();
    settle(&root.join("data"));
    let mut cache = Cache::default();
    let first = pipeline::generate_cached(&options, &mut cache).unwrap();
    let of_last = |g: &Generated| g.findings.iter().any(|f| f.subject == "INC-020");
    assert!(of_last(&first), "the last record has findings");

    // The other records are the same values, in the same order, and one fewer.
    fs::remove_file(&last).unwrap();
    rebuild(&options, &mut cache);
}

#[test]
fn a_rebuild_takes_the_files_the_last_read_as_they_were() {
    let (tmp, options) = handbook();
    let root = tmp.path();
    let record = root.join("data/exceptions/EXC-005.yaml");
    let page = root.join("content/exceptions/filing.md");
    settle(root);
    let mut cache = Cache::default();
    pipeline::generate_cached(&options, &mut cache).unwrap();

    // Each file edited and settled: the rebuild reads it.
    edit(&record, |t| t.replacen("title: Public", "title: Edited", 1));
    edit(&page, |t| t.replacen("title: Filing", "title: Edited", 1));
    settle_file(&record);
    settle_file(&page);
    let (_, _, now) = rebuild_files(&options, &mut cache);
    let shown = |files: &BTreeMap<String, Vec<u8>>, path: &str, text: &str| {
        String::from_utf8_lossy(&files[path]).contains(text)
    };
    assert!(shown(
        &now,
        "exceptions/EXC-005/index.html",
        "Edited dataset"
    ));
    assert!(shown(
        &now,
        "exceptions/filing/index.html",
        "Edited an Exception"
    ));

    // Then changed behind the rebuild's back, with the same size and time: the next rebuild
    // takes each as the last read it, so it kept what that read gave.
    for (path, from, to) in [(&record, "Edited", "Hidden"), (&page, "Edited", "Hidden")] {
        let modified = fs::metadata(path).unwrap().modified().unwrap();
        edit(path, |t| t.replacen(from, to, 1));
        let file = fs::File::options().write(true).open(path).unwrap();
        file.set_modified(modified).unwrap();
    }
    let kept = files(&pipeline::generate_cached(&options, &mut cache).unwrap());
    assert!(shown(
        &kept,
        "exceptions/EXC-005/index.html",
        "Edited dataset"
    ));
    assert!(shown(
        &kept,
        "exceptions/filing/index.html",
        "Edited an Exception"
    ));
}

#[test]
fn a_rebuild_shares_the_findings_of_the_records_it_keeps() {
    let (tmp, mut options) = handbook();
    // The whole handbook, whose findings are the ones kept.
    options.audience = Some("security".into());
    let root = tmp.path();
    let mut cache = Cache::default();
    let in_file = |generated: &Generated, file: &str| {
        let found = generated.findings.iter().filter(|f| f.file == file);
        found.cloned().collect::<Vec<_>>()
    };
    let same = |a: &[Arc<Finding>], b: &[Arc<Finding>]| {
        a.len() == b.len() && a.iter().zip(b).all(|(a, b)| Arc::ptr_eq(a, b))
    };
    let (edited, other) = (
        "data/exceptions/EXC-005.yaml",
        "data/exceptions/EXC-001.yaml",
    );
    let first = pipeline::generate_cached(&options, &mut cache).unwrap();
    assert!(!in_file(&first, edited).is_empty() && !in_file(&first, other).is_empty());

    // A page's text: every record's findings are the last build's.
    edit(&root.join("content/incident-response/workflow.md"), |t| {
        t + "\nA sentence added.\n"
    });
    let second = pipeline::generate_cached(&options, &mut cache).unwrap();
    for file in [edited, other] {
        assert!(
            same(&in_file(&first, file), &in_file(&second, file)),
            "{file}"
        );
    }

    // A record's file: its findings are made again, the others' kept.
    edit(&root.join(edited), |t| t + "# A comment added.\n");
    let third = pipeline::generate_cached(&options, &mut cache).unwrap();
    assert!(same(&in_file(&second, other), &in_file(&third, other)));
    let (was, now) = (in_file(&second, edited), in_file(&third, edited));
    assert!(!now.is_empty() && !now.iter().any(|f| was.iter().any(|w| Arc::ptr_eq(f, w))));

    // Another record's file: the findings the last build made again are kept in turn.
    edit(&root.join(other), |t| t + "# A comment added.\n");
    let fourth = pipeline::generate_cached(&options, &mut cache).unwrap();
    assert!(same(&in_file(&third, edited), &in_file(&fourth, edited)));
    assert!(!same(&in_file(&third, other), &in_file(&fourth, other)));
}

#[test]
fn a_page_edit_keeps_the_records_rows_of_the_search_index() {
    let (tmp, options) = handbook();
    let root = tmp.path();
    let mut cache = Cache::default();
    // The index as a fresh build makes it, and its records' rows, a part of their own.
    let build = |cache: &mut Cache| {
        let index = |generated: &Generated| {
            let found = generated.files.iter().find(|f| f.path == "search/index.js");
            found.unwrap().body.clone()
        };
        let cached = index(&pipeline::generate_cached(&options, cache).unwrap());
        let Body::Parts(parts) = &cached else {
            panic!("the records' rows are a part of the index")
        };
        let Body::Parts(fresh) = index(&pipeline::generate(&options).unwrap()) else {
            panic!("the records' rows are a part of the index")
        };
        assert!(
            parts.concat() == fresh.concat(),
            "the index of a fresh build"
        );
        parts[1].clone()
    };
    let first = build(&mut cache);

    edit(&root.join("content/incident-response/workflow.md"), |t| {
        t + "\nA sentence added.\n"
    });
    assert_eq!(build(&mut cache).as_ptr(), first.as_ptr(), "a page edit");

    edit(&root.join("data/exceptions/EXC-005.yaml"), |t| {
        t.replacen("title: ", "title: Renamed ", 1)
    });
    assert_ne!(build(&mut cache).as_ptr(), first.as_ptr(), "a record edit");
}

/// The files that list every record hold each record's piece as a part of their own,
/// shared with what the last build kept: a record edit makes again its own pieces and the
/// text around them, not a new file of tens of megabytes.
#[test]
fn a_record_edit_makes_again_only_its_own_parts_of_the_exports() {
    // More rows than a registry's page holds, so that it has rows.js.
    let book = crate::scale::register(150, 2);
    let options = Options {
        root: book.dir.clone(),
        ..Options::default()
    };
    let mut cache = Cache::default();
    const PATHS: [&str; 4] = [
        "api/exceptions.json",
        "exports/poam.json",
        "exceptions/rows.js",
        "exports/exceptions.csv",
    ];
    // Each file's parts, checked against a fresh build's bytes, by where their bytes are.
    let build = |cache: &mut Cache| {
        let cached = pipeline::generate_cached(&options, cache).unwrap();
        let fresh = files(&pipeline::generate(&options).unwrap());
        PATHS.map(|path| {
            let found = cached.files.iter().find(|f| f.path == path).unwrap();
            let Body::Parts(parts) = &found.body else {
                panic!("{path}: each record's piece is a part of its own")
            };
            assert!(parts.concat() == fresh[path], "{path}: a fresh build's");
            parts.iter().map(|p| p.as_ptr()).collect::<HashSet<_>>()
        })
    };
    // How many parts of each file `now` made again rather than share with `was`.
    let made = |was: &[HashSet<*const u8>; 4], now: &[HashSet<*const u8>; 4]| {
        [0, 1, 2, 3].map(|i| now[i].difference(&was[i]).count())
    };
    let first = build(&mut cache);

    edit(&book.dir.join("content/_index.md"), |t| {
        t + "\nA sentence added.\n"
    });
    let second = build(&mut cache);
    assert_eq!(made(&first, &second), [0, 0, 0, 0], "a page edit");

    edit(&book.dir.join("data/exceptions/EXC-00001.yaml"), |t| {
        t.replacen("title: ", "title: Renamed ", 1)
    });
    let third = build(&mut cache);
    // The record's piece of the API; the POA&M's head (its metadata), the record's risk
    // and its item; the head of rows.js and the record's row; the tracker's header and
    // the record's line.
    assert_eq!(made(&second, &third), [1, 3, 2, 2], "a record edit");
}

/// The errors of a build, as the terminal shows them.
fn errors(built: Result<Generated, secbook::diagnostics::Error>) -> String {
    match built {
        Err(secbook::diagnostics::Error::Invalid(diags)) => {
            diags.iter().map(|d| d.render()).collect()
        }
        Err(other) => panic!("not the handbook's errors: {other}"),
        Ok(_) => panic!("the build has no errors"),
    }
}

#[test]
fn a_clash_a_page_edit_makes_is_reported_as_a_fresh_build_reports_it() {
    let (tmp, options) = handbook();
    let root = tmp.path();
    let mut cache = Cache::default();
    pipeline::generate_cached(&options, &mut cache).unwrap();

    // A page at a record page's path, then at another page's, then at the path of a file
    // of a register and above a file of an export, both kept from the last build; each
    // seen through the watcher as serve sees it and also found by looking.
    for (name, clashes_with) in [
        ("exceptions/EXC-001.md", "data/exceptions/EXC-001.yaml"),
        ("exceptions/FILING.md", "content/exceptions/filing.md"),
        ("exceptions/by-state.md", "a file secbook makes"),
        ("feeds/exceptions.xml.md", "a file secbook makes"),
    ] {
        for watched in [true, false] {
            let page = root.join("content").join(name);
            fs::create_dir_all(page.parent().unwrap()).unwrap();
            fs::write(&page, "---\ntitle: Clash\n---\nClash.\n").unwrap();
            if watched {
                cache.changed(HashSet::from([page.clone()]));
            }
            let rebuilt = errors(pipeline::generate_cached(&options, &mut cache));
            assert!(rebuilt.contains(clashes_with), "{rebuilt}");
            assert_eq!(rebuilt, errors(pipeline::generate(&options)));

            fs::remove_file(&page).unwrap();
            if watched {
                cache.changed(HashSet::from([page]));
            }
            rebuild(&options, &mut cache);
        }
    }
}

/// The records' pages are claimed as one block kept from the last build while every
/// record is the one loaded then or has its id: a record added makes the block again, and
/// one edited with its id kept is claimed in it by its new file, so that a clash with it
/// is reported at the record as it now reads.
#[test]
fn the_claims_of_the_records_pages_follow_every_record() {
    let (tmp, options) = handbook();
    let root = tmp.path();
    let mut cache = Cache::default();
    pipeline::generate_cached(&options, &mut cache).unwrap();

    // A record whose page is below the registry's, as if it were a folder.
    let record = root.join("data/exceptions/index.html.yaml");
    let text = fs::read_to_string(root.join("data/exceptions/EXC-001.yaml")).unwrap();
    fs::write(&record, text.replacen("id: EXC-001", "id: index.html", 1)).unwrap();
    let rebuilt = errors(pipeline::generate_cached(&options, &mut cache));
    assert!(rebuilt.contains("index.html.yaml:1:"), "{rebuilt}");
    assert_eq!(rebuilt, errors(pipeline::generate(&options)));

    // The same id, a line lower.
    edit(&record, |t| format!("# Moved.\n{t}"));
    let rebuilt = errors(pipeline::generate_cached(&options, &mut cache));
    assert!(rebuilt.contains("index.html.yaml:2:"), "{rebuilt}");
    assert_eq!(rebuilt, errors(pipeline::generate(&options)));

    fs::remove_file(&record).unwrap();
    rebuild(&options, &mut cache);
}

/// A rebuild that stops before it reads the files (handbook.yaml moved away for a moment)
/// leaves the changes a watcher told to the next: a record saved in the same moment is
/// read again once handbook.yaml is back, not taken as it was.
#[test]
fn a_rebuild_that_stops_early_leaves_its_changes_to_the_next() {
    let (tmp, options) = handbook();
    let root = tmp.path();
    settle(root);
    let mut cache = Cache::default();
    pipeline::generate_cached(&options, &mut cache).unwrap();
    let record = root.join("data/exceptions/EXC-004.yaml");
    edit(&record, |t| {
        t.replacen("title: ", "title: Saved meanwhile ", 1)
    });
    settle_file(&record);
    let config = root.join("handbook.yaml");
    let away = root.join("handbook.yaml.away");
    fs::rename(&config, &away).unwrap();
    cache.changed(HashSet::from([record.clone(), config.clone()]));
    assert!(pipeline::generate_cached(&options, &mut cache).is_err());
    fs::rename(&away, &config).unwrap();
    cache.changed(HashSet::from([config]));
    let (_, _, files) = rebuild_files(&options, &mut cache);
    let page = String::from_utf8_lossy(&files["exceptions/EXC-004/index.html"]).into_owned();
    assert!(
        page.contains("Saved meanwhile"),
        "the record's edit is not shown"
    );
}

/// Dates every file below `dir` a minute back, as files a rebuild finds settled (not
/// changed within the file system's clock tick of the last load) and takes as they were.
fn settle(dir: &Path) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            settle(&path);
        } else {
            settle_file(&path);
        }
    }
}

/// [`settle`] for one file.
fn settle_file(path: &Path) {
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    let file = fs::File::options().write(true).open(path).unwrap();
    file.set_modified(past).unwrap();
}

/// The checks between records are kept while no record, data/people.yaml nor the set of
/// pages changed: a page added or removed that a record names makes its error go or come,
/// and a person's entry changes what their records show.
#[test]
fn the_checks_between_records_follow_the_pages_and_people_they_read() {
    let (tmp, options) = handbook();
    let root = tmp.path();
    edit(&root.join("data/incidents/INC-003.yaml"), |t| {
        t.replacen(
            "  pages:\n",
            "  pages:\n    - incident-response/later.md\n",
            1,
        )
    });
    settle(&root.join("data"));
    let mut cache = Cache::default();
    let missing = errors(pipeline::generate_cached(&options, &mut cache));
    assert!(missing.contains("later.md"), "{missing}");
    assert_eq!(missing, errors(pipeline::generate(&options)));

    let page = root.join("content/incident-response/later.md");
    fs::write(&page, "---\ntitle: Later\n---\nLater.\n").unwrap();
    let (_, _, was) = rebuild_files(&options, &mut cache);
    fs::remove_file(&page).unwrap();
    let rebuilt = errors(pipeline::generate_cached(&options, &mut cache));
    assert_eq!(rebuilt, missing);
    fs::write(&page, "---\ntitle: Later\n---\nLater.\n").unwrap();
    rebuild(&options, &mut cache);

    // A risk owner who left, which is a finding on their records and shows on them.
    edit(&root.join("data/people.yaml"), |t| {
        let jun = "  manager: Jun Park\n";
        assert!(t.contains(jun));
        t.replacen(jun, &format!("{jun}  departed: 2026-02-01\n"), 1)
    });
    let (_, _, now) = rebuild_files(&options, &mut cache);
    let page = "exceptions/EXC-005/index.html";
    assert_ne!(was.get(page), now.get(page), "the edit changes {page}");
}

/// An export that lists every record (the calendar, OSCAL, the API, the tracker, the search
/// index) and a registry's rows are kept per record: a rebuild makes again only the pieces
/// whose record, or what else they read, changed. A record's page and a part of the audit
/// report are fingerprinted by what they read of the records. Each edit below changes each
/// file named with it, which must then be a fresh build's, byte for byte.
#[test]
fn the_pieces_a_record_edit_keeps_follow_all_they_read() {
    // More rows than a registry's page holds, so that it is paged and has rows.js, and
    // more exceptions than a part of the audit report holds, so that it is in parts.
    let book = crate::scale::register(450, 10);
    let dir = &book.dir;
    let mut options = Options {
        root: dir.clone(),
        ..Options::default()
    };
    let mut cache = Cache::default();
    pipeline::generate_cached(&options, &mut cache).unwrap();
    let (_, _, mut was) = rebuild_files(&options, &mut cache);
    let mut changes = |options: &Options, cache: &mut Cache, paths: &[&str]| {
        let (_, _, now) = rebuild_files(options, cache);
        for path in paths {
            assert!(was.get(*path) != now.get(*path), "the edit changes {path}");
        }
        was = now;
    };
    let record = |id: &str| dir.join(format!("data/exceptions/{id}.yaml"));
    let [calendar, poam, api, tracker, search, rows] = [
        "calendar/exceptions.ics",
        "exports/poam.json",
        "api/exceptions.json",
        "exports/exceptions.csv",
        "search/index.js",
        "exceptions/rows.js",
    ];
    let every = [calendar, poam, api, tracker, search, rows];
    // The exceptions created in January, in two parts, and the incidents of February.
    let [audit_1, audit_2, audit_incidents] = [
        "audit/exceptions/2026-01/index.html",
        "audit/exceptions/2026-01/2/index.html",
        "audit/incidents/2026-02/index.html",
    ];

    // A title, which every export and the record's rows show.
    edit(&record("EXC-00001"), |t| {
        t.replacen("title: ", "title: Renamed ", 1)
    });
    changes(&options, &mut cache, &every);
    edit(&dir.join("data/incidents/INC-00001.yaml"), |t| {
        t.replacen("title: ", "title: Renamed ", 1)
    });
    changes(&options, &mut cache, &[audit_incidents]);

    // An owner whose page takes the name of another's, who sorts after them: the other's
    // record pages link to their page at its new name. Each is known by name alone, as an
    // address is a page's name that no other takes.
    let owner = |id: &str, to: &str| {
        edit(&record(id), |t| {
            let line = t.lines().find(|l| l.starts_with("risk_owner: ")).unwrap();
            t.replacen(line, &format!("risk_owner: {to}"), 1)
        })
    };
    owner("EXC-00400", "Quinn-Ray");
    changes(&options, &mut cache, &["exceptions/EXC-00400/index.html"]);
    owner("EXC-00003", "Quinn Ray");
    changes(
        &options,
        &mut cache,
        &[audit_1, "exceptions/EXC-00400/index.html"],
    );

    // A record that names another: its page shows the other's title and status, and the
    // other's page links back to it, until it no longer names it.
    let related = "related:\n  incidents: [INC-00001]\n";
    edit(&record("EXC-00004"), |t| t + related);
    changes(&options, &mut cache, &["incidents/INC-00001/index.html"]);
    edit(&dir.join("data/incidents/INC-00001.yaml"), |t| {
        t.replacen("title: Renamed ", "title: Retitled ", 1)
            .replacen(
                "status: resolved",
                "status: closed\nclosed: 2026-02-03T20:00:00+00:00",
                1,
            )
    });
    changes(&options, &mut cache, &["exceptions/EXC-00004/index.html"]);
    edit(&record("EXC-00004"), |t| t.replace(related, ""));
    changes(&options, &mut cache, &["incidents/INC-00001/index.html"]);

    // A state: the row moves between the groups of the ordering by state (and the anchor
    // of a group's first row with it), and the calendar gains an event.
    edit(&record("EXC-00000"), |t| {
        t.replacen(
            "status: pending\n",
            "status: approved\ndecided: 2026-02-01\nexpires: 2026-09-01\n\
             approvals:\n  - {name: Ann Lee, email: ann@example.com, role: approver, side: business, level: vp, decision: approved, date: 2026-02-01}\n  \
             - {name: Bo Chen, email: bo@example.com, role: approver, side: security, level: vp, decision: approved, date: 2026-02-01}\n",
            1,
        )
    });
    changes(
        &options,
        &mut cache,
        &[calendar, poam, api, tracker, rows, audit_1],
    );

    // An expiry, which only the calendar, OSCAL, the API and the rows show.
    edit(&record("EXC-00006"), |t| {
        t.replacen("expires: 2026-", "expires: 2027-", 1)
    });
    changes(&options, &mut cache, &[calendar, poam, api, rows, audit_1]);

    // A requester written by name alone is the party an earlier record gives an email:
    // the later record's risk in OSCAL names that party, its own file unchanged.
    edit(&record("EXC-00002"), |t| {
        t.replacen(
            "requested_by: \"Req Uester <req@example.com>\"",
            "requested_by: Gil Hart",
            1,
        )
    });
    changes(&options, &mut cache, &[poam]);
    edit(&record("EXC-00001"), |t| {
        t.replacen(
            "requested_by: \"Req Uester <req@example.com>\"",
            "requested_by: \"Gil Hart <gil@example.com>\"",
            1,
        )
    });
    changes(&options, &mut cache, &[poam]);

    // A new record, and one gone.
    let new = fs::read_to_string(record("EXC-00001"))
        .unwrap()
        .replace("EXC-00001", "EXC-00999");
    // The new one ends the second part of the report; the one gone moves the first of the
    // second part into the first.
    fs::write(record("EXC-00999"), new).unwrap();
    changes(&options, &mut cache, &[&every[..], &[audit_2]].concat());
    fs::remove_file(record("EXC-00011")).unwrap();
    changes(
        &options,
        &mut cache,
        &[&every[..], &[audit_1, audit_2]].concat(),
    );

    // The as-of day, which shapes every record: the calendar's stamp and states move.
    options.as_of = Date::parse("2026-08-15");
    changes(&options, &mut cache, &[calendar, poam, api]);
}

/// What an audience may not read shapes the records it may: a page that becomes
/// restricted leaves the `related` lists of the records that name it, in the exports as on
/// their pages, though no record's file changed.
#[test]
fn a_page_an_audience_may_no_longer_read_leaves_the_records_that_name_it() {
    let (tmp, mut options) = handbook();
    options.audience = Some("staff".into());
    let mut cache = Cache::default();
    let (_, _, was) = rebuild_files(&options, &mut cache);
    edit(&tmp.path().join("content/exceptions/process.md"), |t| {
        t.replacen("---\n", "---\nclassification: restricted\n", 1)
    });
    let (_, _, now) = rebuild_files(&options, &mut cache);
    for path in ["api/exceptions.json", "exceptions/EXC-001/index.html"] {
        assert_ne!(was.get(path), now.get(path), "the edit changes {path}");
    }
}

/// The facts derived from the records (states, policy checks, postmortems, metrics) are
/// kept while the records and the settings they read are the same, and follow an edit to a
/// record, the as-of day, the expiry window, the approval policy and which incidents owe a
/// postmortem, as a fresh build does.
#[test]
fn the_facts_a_rebuild_keeps_follow_the_records_and_settings_they_read() {
    let (tmp, mut options) = handbook();
    let root = tmp.path();
    // The whole handbook, whose facts are the ones kept: `security` reads it all.
    options.audience = Some("security".into());
    // Files a rebuild takes as they were while they are, and each edited file settled
    // in turn: the records are then the very ones loaded before.
    settle(root);
    let edit = |path: &Path, change: fn(String) -> String| {
        edit(path, change);
        settle_file(path);
    };
    let mut cache = Cache::default();
    pipeline::generate_cached(&options, &mut cache).unwrap();
    let (_, _, mut was) = rebuild_files(&options, &mut cache);

    // A page's text: the metrics are as they were.
    edit(&root.join("content/incident-response/workflow.md"), |t| {
        t + "\nA sentence added.\n"
    });
    let (_, _, now) = rebuild_files(&options, &mut cache);
    assert!(was.get("api/metrics.json") == now.get("api/metrics.json"));

    let mut changes = |options: &Options, cache: &mut Cache, path: &str| {
        let (_, _, now) = rebuild_files(options, cache);
        assert!(was.get(path) != now.get(path), "the edit changes {path}");
        was = now;
    };

    // A record's file: its severity, which the metrics count, and an incident's.
    edit(&root.join("data/exceptions/EXC-005.yaml"), |t| {
        let severity = t.lines().find(|l| l.starts_with("severity: ")).unwrap();
        let other = if severity.ends_with("low") {
            "critical"
        } else {
            "low"
        };
        t.replacen(severity, &format!("severity: {other}"), 1)
    });
    changes(&options, &mut cache, "api/metrics.json");
    edit(&root.join("data/incidents/INC-001.yaml"), |t| {
        t.replacen("severity: sev3", "severity: sev1", 1)
    });
    changes(&options, &mut cache, "api/metrics.json");

    // The as-of day: each exception's state.
    options.as_of = Date::parse("2026-09-30");
    changes(&options, &mut cache, "api/metrics.json");

    // handbook.yaml: how soon an exception counts as expiring.
    edit(&root.join("handbook.yaml"), |t| {
        t.replacen("expiring_within_days: 30", "expiring_within_days: 200", 1)
    });
    changes(&options, &mut cache, "api/metrics.json");

    // The approval policy, which each exception's page measures it against.
    edit(&root.join("handbook.yaml"), |t| {
        t.replacen(
            "security: staff,    max_days: 365",
            "security: vp, max_days: 30",
            1,
        )
    });
    changes(&options, &mut cache, "exceptions/EXC-004/index.html");

    // Which incidents owe a postmortem.
    edit(&root.join("handbook.yaml"), |t| {
        t.replacen(
            "postmortem_required: [sev1, sev2]",
            "postmortem_required: [sev1]",
            1,
        )
    });
    changes(&options, &mut cache, "status/index.html");
}

/// An owner's pages are kept by what their rows are made from, not by the rows: an edit to
/// an owner's record, to a record of an owner who left and whose items they get, to an
/// incident with an item of theirs, to data/people.yaml or to the as-of day makes their
/// pages a fresh build's, and an edit to one owner's record keeps every other owner's pages
/// as they were.
#[test]
fn an_owners_pages_follow_the_records_they_show() {
    let (tmp, mut options) = handbook();
    let root = tmp.path();
    let helen = "owners/helen.brooks@example.com/index.html";
    let mut cache = Cache::default();
    pipeline::generate_cached(&options, &mut cache).unwrap();
    let (_, _, mut was) = rebuild_files(&options, &mut cache);
    assert!(was.contains_key(helen), "Helen Brooks has an owner page");
    let mut changes = |options: &Options, cache: &mut Cache, path: &str| {
        let (_, _, now) = rebuild_files(options, cache);
        assert_ne!(was.get(path), now.get(path), "the edit changes {path}");
        was = now;
    };

    // Martin Feld left on 2026-03-31: Helen, his manager, gets his open exception.
    edit(&root.join("data/exceptions/EXC-012.yaml"), |t| {
        t.replacen("title: ", "title: Renamed ", 1)
    });
    changes(&options, &mut cache, helen);

    // One of her own, and only her pages are made again.
    let before = pipeline::generate_cached(&options, &mut cache).unwrap();
    edit(&root.join("data/exceptions/EXC-003.yaml"), |t| {
        t.replacen("title: ", "title: Renamed ", 1)
    });
    changes(&options, &mut cache, helen);
    let after = pipeline::generate_cached(&options, &mut cache).unwrap();
    assert_eq!(
        made_again(&before, &after, "owners/"),
        [helen],
        "only Helen's pages are made again"
    );

    // An open action item of an owner's, in its incident's file.
    edit(&root.join("data/incidents/INC-008.yaml"), |t| {
        t.replacen("title: Add bot detection", "title: Add a bot check", 1)
    });
    changes(
        &options,
        &mut cache,
        "owners/carlos.mendes@example.com/index.html",
    );

    // Her title in data/people.yaml.
    edit(&root.join("data/people.yaml"), |t| {
        t.replacen("title: VP Finance Operations", "title: VP Finance", 1)
    });
    changes(&options, &mut cache, helen);

    // The as-of day, which moves the states of her exceptions.
    options.as_of = Date::parse("2027-06-30");
    changes(&options, &mut cache, helen);
}

/// Each page of an owner's is kept by the records it shows: an edit to one of an owner's
/// exceptions makes again the one page that shows it, of the owner's two, and no other
/// owner's page.
#[test]
fn an_owners_page_is_made_again_only_when_a_record_it_shows_changes() {
    // Ann owns every fifth exception, all pending: 112 rows that need action, in two pages
    // in order of creation. EXC-00005 was created on January 6th, early on the first page;
    // EXC-00055 on the 28th, among the last rows.
    let book = crate::scale::register(560, 10);
    a_rename_makes_again_only(
        &book.dir,
        "owners/",
        &[
            ("EXC-00005", "owners/ann@example.com/index.html"),
            ("EXC-00055", "owners/ann@example.com/page/2/index.html"),
        ],
    );
}

/// Renames each exception `id` of the handbook at `root` in turn: its `page` is made
/// again, a fresh build's that shows the new title, and no other page below `folder`.
#[track_caller]
fn a_rename_makes_again_only(root: &Path, folder: &str, renames: &[(&str, &str)]) {
    let options = Options {
        root: root.to_path_buf(),
        ..Options::default()
    };
    let mut cache = Cache::default();
    pipeline::generate_cached(&options, &mut cache).unwrap();
    let (_, _, mut was) = rebuild_files(&options, &mut cache);
    for &(id, page) in renames {
        let before = pipeline::generate_cached(&options, &mut cache).unwrap();
        assert!(
            pages_under(&before, folder).contains_key(page),
            "{page} is below {folder}"
        );
        edit(&root.join(format!("data/exceptions/{id}.yaml")), |t| {
            t.replacen("title: ", "title: Renamed ", 1)
        });
        let (_, _, now) = rebuild_files(&options, &mut cache);
        let renamed = |files: &BTreeMap<String, Vec<u8>>| {
            String::from_utf8_lossy(&files[page]).contains("Renamed ")
        };
        assert!(
            !renamed(&was) && renamed(&now),
            "{page} shows the new title of {id}"
        );
        was = now;
        let after = pipeline::generate_cached(&options, &mut cache).unwrap();
        assert_eq!(
            made_again(&before, &after, folder),
            [page],
            "only the page that shows {id} is made again"
        );
    }
}

/// Where each page below `folder` of a build, but its index, is held: a page made again is
/// held anew.
fn pages_under(generated: &Generated, folder: &str) -> BTreeMap<String, *const u8> {
    generated
        .files
        .iter()
        .filter(|f| f.path.starts_with(folder) && f.path[folder.len()..] != *"index.html")
        .map(|f| match &f.body {
            Body::Bytes(b) => (f.path.clone(), b.as_ptr()),
            _ => panic!("{}: a page is made as one", f.path),
        })
        .collect()
}

/// The pages below `folder` of `after` made again since `before`. Both builds are held, so
/// no page's memory is freed and taken again between them.
fn made_again(before: &Generated, after: &Generated, folder: &str) -> Vec<String> {
    let before = pages_under(before, folder);
    pages_under(after, folder)
        .into_iter()
        .filter(|(path, ptr)| before.get(path) != Some(ptr))
        .map(|(path, _)| path)
        .collect()
}

/// A part of the audit report that lists findings is kept by what its lines read, without
/// making them: an edit to a record's title makes again the part whose finding shows it, a
/// fresh build's, and keeps the other part of the same code.
#[test]
fn a_part_of_findings_follows_the_titles_of_the_records_it_names() {
    let book = crate::scale::unowned(1001);
    a_rename_makes_again_only(
        &book.dir,
        "audit/findings/",
        &[
            (
                "EXC-00000",
                "audit/findings/exception-owner-missing/index.html",
            ),
            (
                "EXC-01000",
                "audit/findings/exception-owner-missing/2/index.html",
            ),
        ],
    );
}

/// The metrics' page, charts and JSON are kept while the metrics and the templates are: a
/// page edit makes none of them again, and a record gone, which changes the counts, makes
/// them a fresh build's.
#[test]
fn the_metrics_are_made_again_only_when_they_change() {
    let (tmp, options) = handbook();
    let root = tmp.path();
    let mut cache = Cache::default();
    pipeline::generate_cached(&options, &mut cache).unwrap();
    let before = pipeline::generate_cached(&options, &mut cache).unwrap();
    edit(&root.join("content/incident-response/roles.md"), |t| {
        t + "\nA sentence added in the test.\n"
    });
    let (_, _, was) = rebuild_files(&options, &mut cache);
    let after = pipeline::generate_cached(&options, &mut cache).unwrap();
    let charts = pages_under(&after, "charts/").len();
    assert!(charts > 5, "{charts} charts");
    for file in ["metrics/index.html", "api/metrics.json"] {
        assert!(pages_under(&after, file).contains_key(file), "{file}");
    }
    for kept in ["charts/", "metrics/index.html", "api/metrics.json"] {
        assert_eq!(made_again(&before, &after, kept), Vec::<String>::new());
    }
    fs::remove_file(root.join("data/exceptions/EXC-001.yaml")).unwrap();
    let (_, _, now) = rebuild_files(&options, &mut cache);
    assert_ne!(was["api/metrics.json"], now["api/metrics.json"]);
}

/// A registry's row, and each page that shows it, is kept by what the row is made from,
/// which reaches past its record's file: an exception's owner page, whose address another
/// owner can take, and an incident's time to resolve, written in the unit of the whole
/// column, which the other incidents set.
#[test]
fn a_registrys_rows_follow_what_they_show_besides_their_record() {
    let (tmp, options) = handbook();
    let root = tmp.path();
    let owner = |id: &str, to: &str| {
        edit(&root.join(format!("data/exceptions/{id}.yaml")), |t| {
            let line = t.lines().find(|l| l.starts_with("risk_owner: ")).unwrap();
            t.replacen(line, &format!("risk_owner: {to}"), 1)
        })
    };
    // An owner known by name alone, whose page's address is spelt from it.
    owner("EXC-001", "Quinn-Ray");
    let mut cache = Cache::default();
    pipeline::generate_cached(&options, &mut cache).unwrap();
    let (_, _, was) = rebuild_files(&options, &mut cache);
    let register = |files: &BTreeMap<String, Vec<u8>>, path: &str| {
        String::from_utf8(files[path].clone()).unwrap()
    };
    assert!(register(&was, "exceptions/index.html").contains("owners/quinn-ray/index.html"));

    // Carlos's exception goes to an owner whose name makes that address too and comes
    // first: Quinn-Ray's page moves, and so do the links of the rows of their exceptions.
    owner("EXC-002", "Quinn Ray");
    let (_, _, now) = rebuild_files(&options, &mut cache);
    let exceptions = register(&now, "exceptions/index.html");
    assert!(exceptions.contains("owners/quinn-ray-2/index.html"));

    // Four incidents resolved within hours move the middle time to resolve below two days:
    // the column is written in hours, in the rows of the others too.
    assert!(register(&now, "incidents/index.html").contains(" days<"));
    for (id, was, now) in [
        (
            "INC-002",
            "resolved: 2025-02-13T17:30",
            "resolved: 2025-02-11T10:30",
        ),
        (
            "INC-003",
            "resolved: 2025-03-24T12:00",
            "resolved: 2025-03-22T12:00",
        ),
        (
            "INC-004",
            "resolved: 2025-04-17T19:00",
            "resolved: 2025-04-15T16:00",
        ),
        (
            "INC-006",
            "resolved: 2025-06-13T18:00",
            "resolved: 2025-06-11T08:00",
        ),
    ] {
        edit(&root.join(format!("data/incidents/{id}.yaml")), |t| {
            assert!(t.contains(was), "{id} says {was}");
            t.replacen(was, now, 1)
        });
    }
    let (_, _, now) = rebuild_files(&options, &mut cache);
    let incidents = register(&now, "incidents/index.html");
    assert!(!incidents.contains(" days<") && incidents.contains(" h<"));
}

/// serve prints no warning of a build that succeeds, so its rebuild leaves the findings
/// undiagnosed, but one that fails on a finding reports it as a fresh build does.
#[test]
fn a_rebuild_reports_the_findings_only_when_it_fails() {
    let (_tmp, mut options) = handbook();
    let mut cache = Cache::default();
    let coded = |warnings: &[secbook::diagnostics::Diagnostic]| {
        warnings.iter().filter(|d| d.code.is_some()).count()
    };
    let served = pipeline::generate_cached(&options, &mut cache).unwrap();
    let built = pipeline::generate(&options).unwrap();
    assert!(
        coded(&built.warnings) > 0,
        "the example handbook has findings"
    );
    assert_eq!(served.findings.len(), built.findings.len());
    assert_eq!(coded(&served.warnings), 0, "the served build's findings");

    options.strict = true;
    let failed = errors(pipeline::generate_cached(&options, &mut cache));
    assert!(failed.contains("exception."), "{failed}");
    assert_eq!(failed, errors(pipeline::generate(&options)));
}

/// A page that goes is forgotten by the cache, even when every other file is taken from it
/// or made again: back as it was, it is made again, not taken as the first build made it.
#[test]
fn a_page_that_goes_and_comes_back_is_made_again() {
    let (tmp, options) = handbook();
    let page = tmp
        .path()
        .join("content/incident-response/a-page-of-the-test.md");
    let text = "---\ntitle: A Page of the Test\ndescription: Made by the test.\n\
                owner: Security Operations\nreview_by: 2026-12-31\n---\n\nGone and back.\n";
    fs::write(&page, text).unwrap();
    let mut cache = Cache::default();
    let first = pipeline::generate_cached(&options, &mut cache).unwrap();
    let body = |g: &Generated| {
        let file = (g.files.iter())
            .find(|f| f.path.contains("a-page-of-the-test") && f.path.ends_with(".html"))
            .unwrap();
        match &file.body {
            Body::Bytes(b) => (file.path.clone(), b.as_ptr()),
            _ => panic!("{}: a page is made as one", file.path),
        }
    };
    let (path, was) = body(&first);

    fs::remove_file(&page).unwrap();
    let (_, _, gone) = rebuild_files(&options, &mut cache);
    assert!(!gone.contains_key(&path), "{path} goes with its page");
    // Nothing changed: every kept file is taken again, and none is forgotten.
    rebuild(&options, &mut cache);

    fs::write(&page, text).unwrap();
    let back = pipeline::generate_cached(&options, &mut cache).unwrap();
    assert_eq!(files(&back)[&path], files(&first)[&path]);
    assert_ne!(body(&back), (path, was), "the page is made again");
}

/// A record that is there but does not load is reported in its file alone; once its file
/// is gone, what names it is reported, in a rebuild as in a fresh build.
#[test]
fn what_names_a_record_that_does_not_load_is_reported_once_the_record_is_gone() {
    let (tmp, options) = handbook();
    let record = tmp.path().join("data/exceptions/EXC-020.yaml");
    let errors = |generated: Result<Generated, secbook::diagnostics::Error>| match generated {
        Err(secbook::diagnostics::Error::Invalid(diags)) => {
            let shown = diags.iter().map(|d| d.render());
            shown.filter(|d| d.starts_with("error")).collect::<Vec<_>>()
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("the build succeeds"),
    };
    let mut cache = Cache::default();
    pipeline::generate_cached(&options, &mut cache).unwrap();

    edit(&record, |t| t.replacen("title: ", "title: \"", 1));
    let broken = errors(pipeline::generate_cached(&options, &mut cache));
    assert_eq!(broken, errors(pipeline::generate(&options)));
    assert_eq!(broken.len(), 1, "{broken:#?}");
    assert!(
        broken[0].contains("data/exceptions/EXC-020.yaml"),
        "{}",
        broken[0]
    );

    fs::remove_file(&record).unwrap();
    let gone = errors(pipeline::generate_cached(&options, &mut cache));
    assert_eq!(gone, errors(pipeline::generate(&options)));
    assert!(
        gone.iter()
            .any(|e| e.contains("related exception `EXC-020` does not exist")),
        "{gone:#?}"
    );
}
