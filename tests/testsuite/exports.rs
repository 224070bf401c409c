//! The files around the site, each checked with its format's own reader or schema:
//! - feeds/*.xml: read back with `atom_syndication`'s parser (RFC 4287 structure, order);
//! - calendar/exceptions.ics: read back with the `icalendar` crate's parser (RFC 5545);
//! - exports/poam.json: validated against NIST's published OSCAL POA&M JSON schema,
//!   vendored in tests/data/ (see tests/data/README.md), and loaded with compliance-trestle;
//! - sitemap.xml: validated against the sitemap protocol's XSD, vendored in tests/data/;
//! - 404.html: rendered.
//!
//! compliance-trestle and the XSD validator (lxml) are Python packages, run through
//! tests/checkers.py: see [`checker`].
//!
//! The handbook is tests/fixtures/valid/exports: five exceptions (expired, expiring, pending,
//! active, denied) and two incidents, as of 2026-06-30.

use std::collections::BTreeSet;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::{self, checker, copy_dir};
use secbook::diagnostics::Error;
use secbook::load::theme::Body;
use secbook::pipeline::{self, Options};

fn fixture() -> PathBuf {
    common::fixture("valid/exports")
}

fn generate_with(root: &Path, base_url: Option<&str>) -> Vec<(String, Vec<u8>)> {
    let options = Options {
        root: root.to_path_buf(),
        base_url: base_url.map(str::to_string),
        ..Options::default()
    };
    let generated = match pipeline::generate(&options) {
        Ok(g) => g,
        Err(e) => panic!("the fixture must build: {e:?}"),
    };
    generated
        .files
        .into_iter()
        .map(|f| {
            let bytes = match f.body {
                Body::Bytes(b) => b.to_vec(),
                Body::Copy(from) => std::fs::read(&from.path).unwrap(),
                Body::Parts(parts) => parts.concat(),
            };
            (f.path, bytes)
        })
        .collect()
}

fn generate() -> Vec<(String, Vec<u8>)> {
    generate_with(&fixture(), None)
}

fn file<'a>(files: &'a [(String, Vec<u8>)], path: &str) -> &'a [u8] {
    files
        .iter()
        .find(|(p, _)| p == path)
        .map(|(_, b)| b.as_slice())
        .unwrap_or_else(|| panic!("the build wrote no {path}"))
}

fn text(files: &[(String, Vec<u8>)], path: &str) -> String {
    String::from_utf8(file(files, path).to_vec()).unwrap()
}

fn paths(files: &[(String, Vec<u8>)]) -> BTreeSet<String> {
    files.iter().map(|(p, _)| p.clone()).collect()
}

/// Resolves a relative link written in a file in the folder `from`.
fn resolve(from: &str, href: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').filter(|s| !s.is_empty()).collect();
    for seg in href.split('/') {
        match seg {
            ".." => {
                parts.pop().expect("the link climbs above the site");
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}

fn read_feed(bytes: &[u8]) -> atom_syndication::Feed {
    atom_syndication::Feed::read_from(BufReader::new(bytes)).expect("a well-formed Atom feed")
}

/// What RFC 4287 requires of a feed and its entries, beyond well-formed XML.
fn assert_valid_atom(feed: &atom_syndication::Feed) {
    assert!(feed.id.starts_with("urn:uuid:"), "feed id {}", feed.id);
    assert!(!feed.title.value.is_empty());
    assert!(
        !feed.authors.is_empty(),
        "a feed needs an author when entries may lack one"
    );
    let mut ids = BTreeSet::new();
    for entry in &feed.entries {
        assert!(entry.id.starts_with("urn:uuid:"), "entry id {}", entry.id);
        assert!(
            ids.insert(entry.id.clone()),
            "duplicate entry id {}",
            entry.id
        );
        assert!(!entry.title.value.is_empty());
        assert!(
            entry.links.iter().any(|l| l.rel == "alternate"),
            "entry {} has no alternate link",
            entry.id
        );
        assert!(!entry.authors.is_empty() || !feed.authors.is_empty());
        assert!(entry.summary.is_some());
    }
}

fn entry_ids(feed: &atom_syndication::Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| e.title.value.split(':').next().unwrap().to_string())
        .collect()
}

fn assert_newest_first(feed: &atom_syndication::Feed) {
    let updated: Vec<i64> = feed.entries.iter().map(|e| e.updated.timestamp()).collect();
    let mut sorted = updated.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(updated, sorted, "entries must be newest first");
    assert_eq!(
        feed.updated.timestamp(),
        updated[0],
        "the feed is as new as its newest entry"
    );
}

#[test]
fn exceptions_feed_parses_and_lists_newest_first() {
    let files = generate();
    let feed = read_feed(file(&files, "feeds/exceptions.xml"));
    assert_valid_atom(&feed);
    assert_eq!(feed.entries.len(), 5, "one entry per exception");
    assert_newest_first(&feed);
    // An entry changed last when its state did by the date alone: EXC-001 expired on
    // 2026-06-15, after its renewal, and EXC-002 came within the 30 days of its expiry on
    // 2026-06-10. A reader that saw them before is told they changed.
    assert_eq!(
        entry_ids(&feed),
        ["EXC-001", "EXC-002", "EXC-003", "EXC-005", "EXC-004"]
    );
    let exc1 = &feed.entries[0];
    assert_eq!(exc1.updated.to_rfc3339(), "2026-06-16T00:00:00+00:00");
    assert_eq!(
        feed.entries[1].updated.to_rfc3339(),
        "2026-06-10T00:00:00+00:00"
    );
    assert_eq!(
        exc1.published.map(|p| p.to_rfc3339()).as_deref(),
        Some("2025-10-01T00:00:00+00:00")
    );
    // Relative links resolve from the feed's folder to pages the build wrote.
    let written = paths(&files);
    for entry in &feed.entries {
        for link in &entry.links {
            let target = resolve("feeds/", &link.href);
            assert!(written.contains(&target), "{} -> {target}", link.href);
        }
    }
    let alternate = feed.links.iter().find(|l| l.rel == "alternate").unwrap();
    assert!(written.contains(&resolve("feeds/", &alternate.href)));
    let this = feed.links.iter().find(|l| l.rel == "self").unwrap();
    assert_eq!(resolve("feeds/", &this.href), "feeds/exceptions.xml");
}

#[test]
fn incidents_feed_parses_and_lists_newest_first() {
    let files = generate();
    let feed = read_feed(file(&files, "feeds/incidents.xml"));
    assert_valid_atom(&feed);
    assert_eq!(feed.entries.len(), 2, "one entry per incident");
    assert_newest_first(&feed);
    assert_eq!(entry_ids(&feed), ["INC-002", "INC-001"]);
    // INC-001's last event is its resolution; INC-002 keeps its own offset.
    assert_eq!(
        feed.entries[1].updated.to_rfc3339(),
        "2026-05-02T12:00:00+00:00"
    );
    assert_eq!(
        feed.entries[0].updated.to_rfc3339(),
        "2026-06-25T08:00:00+02:00"
    );
}

/// An entry's summary is a text (`type="text"`), which a reader shows as it is: the record's
/// Markdown goes as its words, without emphasis marks or a link's target.
#[test]
fn a_feed_entry_summarises_a_record_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let incident = dir.path().join("data/incidents/INC-001.yaml");
    let text = std::fs::read_to_string(&incident).unwrap();
    let summary = "summary: A phishing email reached finance staff; nobody entered a password.";
    let markdown =
        "summary: \"See [EXC-001](exception:EXC-001) and **act now**.\\n\\nTwo `blocks`.\"";
    assert!(text.contains(summary));
    std::fs::write(&incident, text.replace(summary, markdown)).unwrap();
    let files = generate_with(dir.path(), None);
    let feed = read_feed(file(&files, "feeds/incidents.xml"));
    let entry = feed
        .entries
        .iter()
        .find(|e| e.title.value.starts_with("INC-001:"));
    let said = entry
        .and_then(|e| e.summary.as_ref())
        .map(|s| s.value.as_str());
    let said = said.unwrap_or_default();
    assert!(
        said.ends_with("\n\nSee EXC-001 and act now. Two blocks."),
        "{said}"
    );
    assert!(said.starts_with("Status: "), "{said}");
}

#[test]
fn feed_links_are_absolute_with_an_absolute_base_url() {
    let files = generate_with(&fixture(), Some("https://sec.example.com/handbook"));
    let feed = read_feed(file(&files, "feeds/exceptions.xml"));
    for entry in &feed.entries {
        let id = entry.title.value.split(':').next().unwrap();
        assert_eq!(
            entry.links[0].href,
            format!("https://sec.example.com/handbook/exceptions/{id}/index.html")
        );
    }
    let this = feed.links.iter().find(|l| l.rel == "self").unwrap();
    assert_eq!(
        this.href,
        "https://sec.example.com/handbook/feeds/exceptions.xml"
    );
    // The ids do not depend on where the site is served.
    let relative = read_feed(file(&generate(), "feeds/exceptions.xml"));
    assert_eq!(feed.id, relative.id);
    let ids =
        |f: &atom_syndication::Feed| f.entries.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&feed), ids(&relative));
}

#[test]
fn every_output_is_deterministic() {
    let a = generate();
    let b = generate();
    for path in [
        "feeds/exceptions.xml",
        "feeds/incidents.xml",
        "calendar/exceptions.ics",
        "exports/poam.json",
        "404.html",
    ] {
        assert_eq!(
            file(&a, path),
            file(&b, path),
            "{path} differs between builds"
        );
    }
}

/// Programs read the JSON files: each is compact, one line and a newline, and parses.
#[test]
fn every_json_file_is_compact() {
    let files = generate();
    let json: Vec<&(String, Vec<u8>)> =
        files.iter().filter(|(p, _)| p.ends_with(".json")).collect();
    let names: BTreeSet<&str> = json.iter().map(|(p, _)| p.as_str()).collect();
    for path in [
        "api/exceptions.json",
        "api/metrics.json",
        "exports/poam.json",
    ] {
        assert!(names.contains(path), "no {path} among {names:?}");
    }
    for (path, bytes) in json {
        let (last, body) = bytes.split_last().unwrap();
        assert_eq!(*last, b'\n', "{path} does not end in a newline");
        assert!(!body.contains(&b'\n'), "{path} is pretty-printed");
        let value: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(
            serde_json::to_vec(&value).unwrap().len(),
            body.len(),
            "{path} holds spaces"
        );
    }
}

#[test]
fn calendar_parses_with_one_event_per_approved_exception() {
    use icalendar::{Component, DatePerhapsTime};

    let files = generate();
    let ics = text(&files, "calendar/exceptions.ics");

    // RFC 5545 3.1: CRLF line endings, content lines folded at 75 octets.
    assert!(ics.ends_with("\r\n"));
    for line in ics.split("\r\n") {
        assert!(!line.contains('\n'), "bare LF in {line:?}");
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//secbook//"));

    // The crate's parser: the raw component tree.
    let unfolded = icalendar::parser::unfold(&ics);
    let parsed = icalendar::parser::read_calendar(&unfolded).expect("a valid iCalendar file");
    let events: Vec<_> = parsed
        .components
        .iter()
        .filter(|c| c.name.as_str() == "VEVENT")
        .collect();
    assert_eq!(events.len(), 3, "EXC-001, EXC-002 and EXC-004 are approved");
    for event in &events {
        let alarms: Vec<_> = event
            .components
            .iter()
            .filter(|c| c.name.as_str() == "VALARM")
            .collect();
        assert_eq!(alarms.len(), 1);
        let trigger = alarms[0]
            .find_prop("TRIGGER")
            .expect("the alarm has a trigger");
        assert_eq!(trigger.val.as_str(), "-P30D");
        assert_eq!(
            alarms[0]
                .find_prop("ACTION")
                .map(|p| p.val.as_str().to_string()),
            Some("DISPLAY".to_string())
        );
    }

    // The typed view: all-day dates, DTSTAMP from the as-of date, and UIDs that are UUIDs
    // (RFC 7986, 5.3), one per event.
    let calendar: icalendar::Calendar = ics.parse().expect("a valid iCalendar file");
    let got: Vec<(DatePerhapsTime, String)> = calendar
        .events()
        .map(|e| {
            (
                e.get_start().unwrap(),
                e.get_timestamp().unwrap().to_rfc3339(),
            )
        })
        .collect();
    let day =
        |s: &str| DatePerhapsTime::Date(chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());
    let stamp = "2026-06-30T00:00:00+00:00".to_string();
    assert_eq!(
        got,
        [
            (day("2026-06-15"), stamp.clone()),
            (day("2026-07-10"), stamp.clone()),
            (day("2026-12-31"), stamp.clone()),
        ]
    );
    let uids: BTreeSet<uuid::Uuid> = calendar
        .events()
        .map(|e| uuid::Uuid::parse_str(e.get_uid().unwrap()).expect("a UUID"))
        .collect();
    assert_eq!(uids.len(), 3, "{uids:?}");
    let exc1 = calendar.events().next().unwrap();
    assert_eq!(exc1.get_end(), Some(day("2026-06-16")), "an all-day event");
    assert_eq!(exc1.get_sequence(), Some(1), "one renewal");
    assert!(exc1.get_summary().unwrap().starts_with("EXC-001 expires"));
    // Nothing comes from the clock: every DTSTAMP is the as-of date.
    let stamps: Vec<&str> = ics
        .split("\r\n")
        .filter(|l| l.starts_with("DTSTAMP"))
        .collect();
    assert_eq!(stamps, ["DTSTAMP:20260630T000000Z"; 3]);
}

fn schema() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/oscal_poam_schema.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn schema_errors(schema: &serde_json::Value, doc: &serde_json::Value) -> Vec<String> {
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(schema)
        .expect("the OSCAL schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn poam_is_valid_against_the_oscal_schema() {
    let files = generate();
    let doc: serde_json::Value = serde_json::from_slice(file(&files, "exports/poam.json")).unwrap();
    let schema = schema();
    let errors = schema_errors(&schema, &doc);
    assert!(errors.is_empty(), "{errors:#?}");

    // The validator is live: a document without metadata fails.
    let mut broken = doc.clone();
    broken["plan-of-action-and-milestones"]
        .as_object_mut()
        .unwrap()
        .remove("metadata");
    assert!(!schema_errors(&schema, &broken).is_empty());
    // Its patterns are live too: a UUID that is not one, a title on two lines.
    let mut broken = doc.clone();
    broken["plan-of-action-and-milestones"]["risks"][0]["uuid"] = "EXC-001".into();
    assert!(!schema_errors(&schema, &broken).is_empty());
    let mut broken = doc.clone();
    broken["plan-of-action-and-milestones"]["poam-items"][0]["title"] = "two\nlines".into();
    assert!(!schema_errors(&schema, &broken).is_empty());
    let mut broken = doc.clone();
    broken["plan-of-action-and-milestones"]["metadata"]["last-modified"] = "2026-06-30".into();
    assert!(!schema_errors(&schema, &broken).is_empty());

    // And one absolute base URL later, still valid.
    let files = generate_with(&fixture(), Some("https://sec.example.com/"));
    let doc: serde_json::Value = serde_json::from_slice(file(&files, "exports/poam.json")).unwrap();
    let errors = schema_errors(&schema, &doc);
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn poam_holds_the_approved_and_pending_exceptions() {
    let files = generate();
    let doc: serde_json::Value = serde_json::from_slice(file(&files, "exports/poam.json")).unwrap();
    let poam = &doc["plan-of-action-and-milestones"];
    assert_eq!(poam["metadata"]["last-modified"], "2026-06-30T00:00:00Z");
    assert_eq!(
        poam["metadata"]["oscal-version"],
        secbook::render::poam::OSCAL_VERSION
    );
    let risks = poam["risks"].as_array().unwrap();
    let prop = |risk: &serde_json::Value, name: &str| {
        risk["props"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["value"].as_str().unwrap().to_string())
    };
    let summary: Vec<(String, String, Option<String>)> = risks
        .iter()
        .map(|r| {
            (
                prop(r, "exception-id").unwrap(),
                r["status"].as_str().unwrap().to_string(),
                r["deadline"].as_str().map(str::to_string),
            )
        })
        .collect();
    let s = |a: &str| a.to_string();
    assert_eq!(
        summary,
        [
            (s("EXC-001"), s("open"), Some(s("2026-06-15T23:59:59Z"))),
            (
                s("EXC-002"),
                s("deviation-approved"),
                Some(s("2026-07-10T23:59:59Z"))
            ),
            (s("EXC-003"), s("deviation-requested"), None),
            (
                s("EXC-004"),
                s("deviation-approved"),
                Some(s("2026-12-31T23:59:59Z"))
            ),
        ]
    );

    // Remediation, compensating controls and the risk log of EXC-001.
    let exc1 = &risks[0];
    assert_eq!(exc1["remediations"][0]["lifecycle"], "planned");
    assert_eq!(exc1["mitigating-factors"].as_array().unwrap().len(), 2);
    let log: Vec<(&str, &str)> = exc1["risk-log"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["title"].as_str().unwrap(), e["start"].as_str().unwrap()))
        .collect();
    assert_eq!(
        log,
        [
            ("Exception requested", "2025-10-01T00:00:00Z"),
            (
                "Exception approved until 2026-03-31",
                "2025-10-10T00:00:00Z"
            ),
            ("Exception renewed until 2026-06-15", "2026-03-20T00:00:00Z"),
            (
                "Exception expired without risk treatment",
                "2026-06-16T00:00:00Z"
            ),
        ]
    );

    // Every POA&M item points at a risk of the document; every UUID is distinct.
    let risk_uuids: BTreeSet<&str> = risks.iter().map(|r| r["uuid"].as_str().unwrap()).collect();
    let items = poam["poam-items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    for item in items {
        let target = item["related-risks"][0]["risk-uuid"].as_str().unwrap();
        assert!(risk_uuids.contains(target));
    }
    let text = text(&files, "exports/poam.json");
    let uuids: Vec<&str> = text
        .split('"')
        .filter(|s| s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4)
        .collect();
    let defined: Vec<&str> = poam["risks"]
        .as_array()
        .unwrap()
        .iter()
        .chain(items)
        .map(|x| x["uuid"].as_str().unwrap())
        .collect();
    assert_eq!(
        defined.iter().collect::<BTreeSet<_>>().len(),
        defined.len(),
        "risk and item UUIDs are distinct"
    );
    assert!(
        uuids.iter().all(|u| u.as_bytes()[14] == b'5'),
        "all v5 UUIDs"
    );
}

#[test]
fn poam_uuids_are_stable_when_other_records_change() {
    // The same exception gives the same UUIDs even when other records change.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    std::fs::remove_file(dir.path().join("data/exceptions/EXC-002.yaml")).unwrap();
    let uuid_of = |files: &[(String, Vec<u8>)], id: &str| {
        let doc: serde_json::Value =
            serde_json::from_slice(file(files, "exports/poam.json")).unwrap();
        doc["plan-of-action-and-milestones"]["risks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["props"][0]["value"] == id)
            .map(|r| r["uuid"].as_str().unwrap().to_string())
            .unwrap()
    };
    let full = generate();
    let fewer = generate_with(dir.path(), None);
    assert_eq!(uuid_of(&full, "EXC-004"), uuid_of(&fewer, "EXC-004"));
    assert_ne!(uuid_of(&full, "EXC-001"), uuid_of(&full, "EXC-004"));
}

/// `export poam` prints the document the build writes. Read on its own, anywhere, its
/// links to the exceptions' pages lead there only from an absolute base_url: without one
/// they are left out, where the site's copy links the pages beside it.
#[test]
fn export_poam_prints_the_built_document() {
    let dir = tempfile::tempdir().unwrap();
    let absolute = dir.path().join("absolute");
    copy_dir(&fixture(), &absolute);
    let yaml = absolute.join("handbook.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(&yaml, format!("base_url: https://x.org/hb/\n{text}")).unwrap();
    let export = |root: &Path, target: Option<&Path>| {
        let mut command = common::command();
        command.args(["export", "poam"]).arg(root);
        if let Some(target) = target {
            command.arg("-o").arg(target);
        }
        let out = command.output().unwrap();
        assert!(out.status.success(), "{}", common::describe(&out));
        out
    };

    let built = generate_with(&absolute, None);
    let built = file(&built, "exports/poam.json");
    assert!(String::from_utf8_lossy(built).contains("\"href\":\"https://x.org/hb/exceptions/"));
    assert_eq!(export(&absolute, None).stdout, built);
    let target = dir.path().join("poam.json");
    assert!(export(&absolute, Some(&target)).stdout.is_empty());
    assert_eq!(std::fs::read(&target).unwrap(), built);

    let files = generate();
    let mut built: serde_json::Value =
        serde_json::from_slice(file(&files, "exports/poam.json")).unwrap();
    let alone: serde_json::Value =
        serde_json::from_slice(&export(&fixture(), None).stdout).unwrap();
    let poam = built["plan-of-action-and-milestones"]
        .as_object_mut()
        .unwrap();
    for list in ["risks", "poam-items"] {
        for entry in poam[list].as_array_mut().unwrap() {
            let href = entry.as_object_mut().unwrap().remove("links").unwrap()[0]["href"].clone();
            assert!(
                href.as_str().unwrap().starts_with("../exceptions/"),
                "{href}"
            );
        }
    }
    assert_eq!(
        alone, built,
        "the export is the site's document without its relative links"
    );
}

/// A record's Markdown in the POA&M leads where it does on the record's page: an OSCAL
/// reader outside the site cannot follow `exception:EXC-1`, `../runbooks/x.md` or a
/// heading of the page. From the site's copy each link leads to the file beside it, from
/// an absolute base_url to the published page, and read alone without one it is its text.
#[test]
fn poam_links_lead_where_the_record_page_leads() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("hb");
    copy_dir(&fixture(), &root);
    std::fs::create_dir_all(root.join("content/runbooks")).unwrap();
    std::fs::write(
        root.join("content/runbooks/restore.md"),
        "---\ntitle: Restore\n---\n## Steps\nRestore it.\n",
    )
    .unwrap();
    let record = root.join("data/exceptions/EXC-004.yaml");
    let yaml = std::fs::read_to_string(&record).unwrap().replace(
        "summary: Wiki backups are kept for 14 days, short of the 30 the standard asks for.",
        "summary: |\n  Kept 14 days, see [the runbook](../runbooks/restore.md#steps \"How\"),\n  \
         [EXC-001][one], <incident:INC-001>, [below](#why) and [NIST](https://nist.gov/x).\n\n  \
         [one]: exception:EXC-001\n\n  ## Why\n  Storage.",
    );
    std::fs::write(&record, yaml).unwrap();
    let statement = |files: &[(String, Vec<u8>)]| {
        let doc: serde_json::Value =
            serde_json::from_slice(file(files, "exports/poam.json")).unwrap();
        assert_eq!(schema_errors(&schema(), &doc), Vec::<String>::new());
        let risks = doc["plan-of-action-and-milestones"]["risks"].clone();
        let risk = (risks.as_array().unwrap().iter())
            .find(|r| r["title"].as_str().unwrap().contains("wiki"))
            .cloned()
            .unwrap();
        risk["statement"].as_str().unwrap().to_string()
    };

    let files = generate_with(&root, None);
    let written = statement(&files);
    let hrefs: Vec<&str> = (written.split("](<").skip(1))
        .map(|rest| rest.split('>').next().unwrap())
        .collect();
    assert_eq!(
        hrefs,
        [
            "../runbooks/restore/index.html#steps",
            "../exceptions/EXC-001/index.html",
            "../incidents/INC-001/index.html",
            "../exceptions/EXC-004/index.html#summary-why",
        ],
        "{written}"
    );
    for href in hrefs {
        let path = resolve("exports/", href.split('#').next().unwrap());
        assert!(paths(&files).contains(&path), "{href} leads to no file");
    }
    assert!(written.contains("[the runbook](<../runbooks/restore/index.html#steps> \"How\")"));
    assert!(written.contains("[NIST](https://nist.gov/x)"), "{written}");
    assert!(!written.contains("[one]:"), "{written}");

    let absolute = statement(&generate_with(&root, Some("https://x.org/hb/")));
    assert!(
        absolute.contains("[EXC-001](<https://x.org/hb/exceptions/EXC-001/index.html>)"),
        "{absolute}"
    );

    let out = common::command()
        .args(["export", "poam"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::describe(&out));
    let alone = statement(&[("exports/poam.json".to_string(), out.stdout)]);
    assert!(
        alone.contains(
            "see the runbook,\nEXC-001, incident:INC-001, below and [NIST](https://nist.gov/x)"
        ),
        "{alone}"
    );
}

/// Output cut short by its reader (`secbook export poam | head`) is not told as an error
/// on the terminal: the reader asked for no more.
#[test]
fn output_its_reader_stopped_reading_is_not_told() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = common::command()
        .args(["export", "poam"])
        .arg(fixture())
        .stdout(writer)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(common::stderr(&out), "");
}

/// `-o` naming a stream (`/dev/stdout`, `/dev/null`, a shell's `>(gzip > x)`) writes into
/// it: the export had put a file in its place, which as root replaced `/dev/null` for every
/// program on the machine. A named pipe, reached through a link as `/dev/stdout` is, stands
/// for them all.
#[test]
fn an_export_to_a_stream_is_written_into_it() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("pipe");
    common::mkfifo(&pipe);
    let link = dir.path().join("stdout");
    std::os::unix::fs::symlink(&pipe, &link).unwrap();
    let reader = {
        let pipe = pipe.clone();
        std::thread::spawn(move || std::fs::read(pipe).unwrap())
    };
    let mut child = common::command()
        .args(["export", "tracker"])
        .arg(fixture())
        .arg("-o")
        .arg(&link)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Opening the pipe to read it, as a check had, waits forever.
    let status = common::wait_within(&mut child, Duration::from_secs(30), "the export");
    assert!(status.success());
    // Before the reader is waited for, which nothing would write to otherwise.
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert!(std::fs::metadata(&pipe).unwrap().file_type().is_fifo());
    let built = generate();
    assert_eq!(
        reader.join().unwrap(),
        file(&built, "exports/exceptions.csv")
    );
}

/// `-o /dev/stdout` with the standard output sent to a file (`> out.csv`, as a CI job
/// writes): the link leads through `/proc/self/fd/1` to a file, which is written into,
/// where the link was replaced by a file of its own (as root, `/dev/stdout` for every
/// program) and `out.csv` left empty. `/dev/fd/1` names it too, and `>> log` is appended
/// to, through the descriptor the shell opened. The test's own link to `/proc/self/fd/1`
/// stands for `/dev/stdout`, which it must not risk.
#[cfg(target_os = "linux")]
#[test]
fn an_export_to_the_standard_output_sent_to_a_file_lands_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("stdout");
    std::os::unix::fs::symlink("/proc/self/fd/1", &link).unwrap();
    let expected = file(&generate(), "exports/exceptions.csv").to_vec();
    for (i, target) in [link.clone(), PathBuf::from("/dev/fd/1")]
        .iter()
        .enumerate()
    {
        let out = dir.path().join(format!("out-{i}.csv"));
        let before = b"a line the log held\n";
        std::fs::write(&out, before).unwrap();
        let appending = std::fs::OpenOptions::new().append(true).open(&out).unwrap();
        let status = common::command()
            .args(["export", "tracker"])
            .arg(fixture())
            .arg("-o")
            .arg(target)
            .stdout(appending)
            .status()
            .unwrap();
        assert!(status.success(), "{target:?}");
        assert_eq!(
            std::fs::read(&out).unwrap(),
            [&before[..], &expected].concat(),
            "{target:?}"
        );
    }
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
}

#[test]
fn no_poam_without_approved_or_pending_exceptions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("handbook.yaml"),
        "title: Empty\nas_of: 2026-06-30\n",
    )
    .unwrap();
    let files = generate_with(dir.path(), None);
    assert!(!paths(&files).contains("exports/poam.json"));
    // The feeds and the calendar are still there, and valid, when empty.
    let feed = read_feed(file(&files, "feeds/exceptions.xml"));
    assert!(feed.entries.is_empty());
    assert_eq!(feed.updated.to_rfc3339(), "2026-06-30T00:00:00+00:00");
    let ics = text(&files, "calendar/exceptions.ics");
    let calendar: icalendar::Calendar = ics.parse().unwrap();
    assert_eq!(calendar.events().count(), 0);

    let out = common::command()
        .args(["export", "poam"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to export"));
}

#[test]
fn the_404_page_links_from_the_root() {
    let files = generate();
    let not_found = text(&files, "404.html");
    assert!(not_found.contains("<h1>Page not found</h1>"), "{not_found}");
    assert!(
        not_found.contains("href=\"index.html\""),
        "links relative to the root"
    );
    // The style sheet is linked by the script, once it has set the base at the root, and
    // at base_url's path without JavaScript.
    assert!(
        not_found.contains("style.href = \"style.css\";"),
        "{not_found}"
    );
    assert!(
        not_found.contains("<noscript><link rel=\"stylesheet\" href=\"/style.css\"></noscript>")
    );
}

/// Control characters cannot come from the records: loading refuses them (the fixtures
/// under tests/fixtures/invalid/control-*). What the command line gives still reaches the
/// feeds, the sitemap and the calendar, which must stay valid XML and iCalendar whatever
/// it holds.
#[test]
fn feeds_sitemap_and_calendar_stay_valid_whatever_characters_the_base_url_holds() {
    let hostile = "https://x.org/\u{1}\u{1b}]0;pwned\u{7}\u{c}\u{7f}\u{85}\u{202e}\u{fffe}\r/\r\n\
                   X-INJECTED:1\r\n/";
    let files = generate_with(&fixture(), Some(hostile));
    for path in ["feeds/exceptions.xml", "feeds/incidents.xml", "sitemap.xml"] {
        let xml = text(&files, path);
        if let Err(e) = roxmltree::Document::parse(&xml) {
            panic!("{path} is not XML: {e}");
        }
        assert!(xml.contains("https://x.org/"), "{path}");
    }
    let feed = read_feed(file(&files, "feeds/exceptions.xml"));
    assert!(feed.entries[0].links[0].href.starts_with("https://x.org/"));

    let ics = text(&files, "calendar/exceptions.ics");
    let forbidden: Vec<char> = ics
        .replace("\r\n", "")
        .chars()
        .filter(|c| c.is_ascii_control() && *c != '\t')
        .collect();
    assert!(forbidden.is_empty(), "{forbidden:?} in the calendar");
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        assert!(
            !line.starts_with("X-INJECTED"),
            "a line break of the base URL ends a line"
        );
    }
    let unfolded = icalendar::parser::unfold(&ics);
    let parsed = icalendar::parser::read_calendar(&unfolded).expect("a valid iCalendar file");
    let events = parsed
        .components
        .iter()
        .filter(|c| c.name.as_str() == "VEVENT")
        .count();
    assert_eq!(events, 3);
}

// ---- Read back by independent tools: compliance-trestle and the sitemap XSD ----

/// Writes `doc` to a file and loads it with compliance-trestle: `Some(true)` when it loads.
fn trestle_loads(doc: &[u8]) -> Option<(bool, String)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("poam.json");
    std::fs::write(&path, doc).unwrap();
    let out = checker(&["oscal-poam".as_ref(), path.as_os_str()])?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((out.status.success(), said))
}

#[test]
fn poam_loads_in_compliance_trestle() {
    for base_url in [None, Some("https://sec.example.com/")] {
        let files = generate_with(&fixture(), base_url);
        let Some((loaded, said)) = trestle_loads(file(&files, "exports/poam.json")) else {
            return;
        };
        assert!(loaded, "{said}");
    }
    // The check is live, and checks what trestle 3 refused: a namespace without a scheme.
    let files = generate();
    let mut doc: serde_json::Value =
        serde_json::from_slice(file(&files, "exports/poam.json")).unwrap();
    doc["plan-of-action-and-milestones"]["risks"][0]["props"][0]["ns"] = "secbook".into();
    let Some((loaded, said)) = trestle_loads(&serde_json::to_vec(&doc).unwrap()) else {
        return;
    };
    assert!(!loaded, "trestle took a namespace that is no URL: {said}");
    assert!(said.contains("ns"), "{said}");
}

/// A record's TODO markers are values nobody knows yet: the document auditors read names
/// no party "TODO: ...", and says of a text it needs that it is not recorded yet.
#[test]
fn poam_holds_no_todo_marker() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("hb");
    let run = |dir: &Path, args: &[&str]| {
        crate::common::command()
            .args(args)
            .current_dir(dir)
            .env("SOURCE_DATE_EPOCH", "1782777600")
            .output()
            .unwrap()
    };
    assert!(
        run(tmp.path(), &["init", "hb", "--no-examples"])
            .status
            .success()
    );
    assert!(
        run(&root, &["new", "exception", "--title", "Old TLS"])
            .status
            .success()
    );
    let record = root.join("data/exceptions/EXC-001.yaml");
    let text = std::fs::read_to_string(&record).unwrap();
    let filled: String = text
        .lines()
        .map(|line| match line.split_once(": ") {
            Some(("type", _)) => "type: extension".to_string(),
            Some(("severity", _)) => "severity: high".to_string(),
            _ => line.to_string(),
        })
        .map(|line| line + "\n")
        .collect();
    std::fs::write(
        &record,
        filled.replace("created:", "tickets: [\"TODO: the ticket\"]\ncreated:"),
    )
    .unwrap();
    let out = run(&root, &["export", "poam"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.matches("TODO").count() >= 5, "{text}");
    let json = String::from_utf8(out.stdout).unwrap();
    assert!(!json.contains("TODO"), "{json}");
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let risk = &doc["plan-of-action-and-milestones"]["risks"][0];
    assert_eq!(risk["statement"], "Not recorded yet.");
    // Neither the requester nor the owner is known: no party.
    let metadata = &doc["plan-of-action-and-milestones"]["metadata"];
    assert!(metadata.get("parties").is_none(), "{json}");
    let errors = schema_errors(&schema(), &doc);
    assert!(errors.is_empty(), "{errors:#?}");
    if let Some((loaded, said)) = trestle_loads(json.as_bytes()) {
        assert!(loaded, "{said}");
    }
}

#[test]
fn poam_declares_the_version_of_the_schema_it_is_valid_against() {
    let schema = schema();
    let id = schema["$id"].as_str().unwrap();
    assert_eq!(
        id,
        format!(
            "http://csrc.nist.gov/ns/oscal/{}/oscal-poam-schema.json",
            secbook::render::poam::OSCAL_VERSION
        ),
        "tests/data/oscal_poam_schema.json is the schema of the version the export declares"
    );
}

#[test]
fn poam_props_are_in_an_https_namespace() {
    let files = generate();
    let doc: serde_json::Value = serde_json::from_slice(file(&files, "exports/poam.json")).unwrap();
    let poam = &doc["plan-of-action-and-milestones"];
    let props = ["risks", "poam-items"]
        .iter()
        .flat_map(|k| poam[k].as_array().unwrap())
        .flat_map(|x| x["props"].as_array().unwrap());
    let mut seen = 0;
    for p in props {
        let ns = p["ns"].as_str().unwrap();
        // A URL with a scheme and a host, as compliance-trestle 3 (OSCAL 1.1) requires too.
        let host = ns
            .strip_prefix("https://")
            .and_then(|r| r.split('/').next());
        assert!(host.is_some_and(|h| h.contains('.')), "{ns}");
        seen += 1;
    }
    assert!(seen > 0);
}

#[test]
fn poam_lists_each_person_once_and_nobody_never() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let edit = |id: &str, from: &str, to: &str| {
        let path = dir.path().join(format!("data/exceptions/{id}.yaml"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{id} has no {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    // Jun Park three ways, Helen Brooks by name only (people.yaml knows her email), and
    // nobody as the owner of a pending exception and the requester of an approved one.
    edit(
        "EXC-003",
        "requested_by: \"Jun Park <jun@example.com>\"",
        "requested_by: \"  jun   PARK \"",
    );
    edit(
        "EXC-003",
        "risk_owner: \"Jun Park <jun@example.com>\"",
        "risk_owner: unassigned",
    );
    edit(
        "EXC-004",
        "risk_owner: \"Jun Park <jun@example.com>\"",
        "risk_owner: \"Jun Park <JUN@example.com>\"",
    );
    edit(
        "EXC-004",
        "requested_by: \"Jun Park <jun@example.com>\"",
        "requested_by: \"\"",
    );
    edit(
        "EXC-002",
        "risk_owner: \"Helen Brooks <helen@example.com>\"",
        "risk_owner: \"Helen Brooks\"",
    );
    std::fs::write(
        dir.path().join("data/people.yaml"),
        "- name: Helen Brooks\n  email: helen@example.com\n",
    )
    .unwrap();
    let files = generate_with(dir.path(), None);
    let bytes = file(&files, "exports/poam.json");
    let doc: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let metadata = &doc["plan-of-action-and-milestones"]["metadata"];
    let parties: Vec<(&str, &str)> = metadata["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["email-addresses"][0].as_str().unwrap_or(""),
            )
        })
        .collect();
    let names: BTreeSet<&str> = parties.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        BTreeSet::from(["Helen Brooks", "Jun Park", "Martin Feld"]),
        "{parties:?}"
    );
    assert_eq!(parties.len(), 3, "each person is one party: {parties:?}");
    let email = |name: &str| parties.iter().find(|(n, _)| *n == name).unwrap().1;
    assert_eq!(email("Helen Brooks"), "helen@example.com");
    assert_eq!(email("Jun Park"), "jun@example.com");

    // Every party UUID the document points at is a listed party, and nobody is an actor.
    let uuids: BTreeSet<&str> = metadata["parties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["uuid"].as_str().unwrap())
        .collect();
    let owners = metadata["responsible-parties"][0]["party-uuids"]
        .as_array()
        .unwrap();
    assert_eq!(owners.len(), 2, "Helen Brooks and Jun Park own risks");
    assert!(owners.iter().all(|u| uuids.contains(u.as_str().unwrap())));
    let items = doc["plan-of-action-and-milestones"]["poam-items"]
        .as_array()
        .unwrap();
    let exc4 = items.iter().find(|i| i["props"][0]["value"] == "EXC-004");
    assert!(
        exc4.unwrap().get("origins").is_none(),
        "a request by nobody has no origin"
    );
    let errors = schema_errors(&schema(), &doc);
    assert!(errors.is_empty(), "{errors:#?}");
    if let Some((loaded, said)) = trestle_loads(bytes) {
        assert!(loaded, "{said}");
    }
}

/// Validates each XML file against tests/data/sitemap.xsd: `None` when the validator is
/// missing on a developer's machine.
fn sitemap_xsd_errors(files: &[(&str, &[u8])]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sitemap.xsd");
    let mut args = vec![std::ffi::OsString::from("xsd"), xsd.into_os_string()];
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        args.push(path.into_os_string());
    }
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    let out = checker(&args)?;
    Some(if out.status.success() {
        String::new()
    } else {
        String::from_utf8_lossy(&out.stderr).into_owned()
    })
}

#[test]
fn sitemap_is_written_only_for_an_absolute_base_url() {
    // The example handbook and the fixture are served at base_url `/`: no sitemap.
    let example = tempfile::tempdir().unwrap();
    common::copy_example(example.path());
    for root in [example.path(), &fixture()] {
        let files = generate_with(root, None);
        assert!(!paths(&files).contains("sitemap.xml"), "{}", root.display());
        assert!(paths(&files).contains("index.html"));
    }
    let files = generate_with(&fixture(), Some("/hb/"));
    assert!(!paths(&files).contains("sitemap.xml"));
    // Neither a path nor an absolute URL: refused, not built without a sitemap.
    for base in ["hb", "//sec.example.com/", "sec.example.com/hb"] {
        let options = Options {
            root: fixture(),
            base_url: Some(base.into()),
            ..Options::default()
        };
        let refused = pipeline::generate(&options).err();
        assert!(matches!(refused, Some(Error::Usage(_))), "{base}");
    }
}

#[test]
fn sitemap_lists_every_page_absolutely_and_validates_against_the_xsd() {
    let base = "https://sec.example.com/hb/";
    let files = generate_with(&fixture(), Some(base));
    let html: BTreeSet<String> = paths(&files)
        .into_iter()
        .filter(|p| p.ends_with(".html") && p != "404.html")
        .collect();
    assert!(html.contains("exceptions/EXC-001/index.html"));
    let sitemap = file(&files, "sitemap.xml");
    let text = std::str::from_utf8(sitemap).expect("UTF-8");
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    let doc = roxmltree::Document::parse(text).unwrap();
    let root = doc.root_element();
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.sitemaps.org/schemas/sitemap/0.9")
    );
    assert_eq!(root.tag_name().name(), "urlset");
    // A path is written percent-encoded (`owners/ann%40example.com/`), as a URL may be.
    let locs: BTreeSet<String> = root
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .map(|n| {
            let loc = percent_encoding::percent_decode_str(n.text().unwrap());
            loc.decode_utf8().unwrap().into_owned()
        })
        .collect();
    let expected: BTreeSet<String> = html.iter().map(|p| format!("{base}{p}")).collect();
    assert_eq!(locs, expected, "every page, below the absolute base URL");
    assert_eq!(
        sitemap,
        file(&generate_with(&fixture(), Some(base)), "sitemap.xml"),
        "deterministic"
    );

    let Some(errors) = sitemap_xsd_errors(&[("sitemap.xml", sitemap)]) else {
        return;
    };
    assert!(errors.is_empty(), "{errors}");
    // The XSD check is live: a relative <loc>, as sitemap.xml once held, fails it.
    let relative = text.replace(&format!("<loc>{base}"), "<loc>/");
    let errors = sitemap_xsd_errors(&[("relative.xml", relative.as_bytes())]).unwrap();
    assert!(errors.contains("loc"), "{errors}");
}

#[test]
fn a_site_past_the_protocol_limits_gets_sitemaps_that_validate() {
    // 100,001 pages: two full sitemaps of 50,000 URLs and one of a single URL.
    let pages: Vec<String> = (0..100_001)
        .map(|i| format!("exceptions/EXC-{i:06}/index.html"))
        .collect();
    let made = secbook::render::sitemap("https://sec.example.com/", &pages);
    let bodies: Vec<(&str, &[u8])> = made
        .iter()
        .map(|f| match &f.body {
            Body::Bytes(b) => (f.path.as_str(), &b[..]),
            Body::Copy(_) | Body::Parts(_) => unreachable!(),
        })
        .collect();
    let names: Vec<&str> = bodies.iter().map(|(p, _)| *p).collect();
    assert_eq!(
        names,
        [
            "sitemap.xml",
            "sitemap-1.xml",
            "sitemap-2.xml",
            "sitemap-3.xml"
        ]
    );
    let index = roxmltree::Document::parse(std::str::from_utf8(bodies[0].1).unwrap()).unwrap();
    let listed: Vec<&str> = index
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .map(|n| n.text().unwrap())
        .collect();
    assert_eq!(
        listed,
        [
            "https://sec.example.com/sitemap-1.xml",
            "https://sec.example.com/sitemap-2.xml",
            "https://sec.example.com/sitemap-3.xml"
        ]
    );
    let mut urls = 0;
    for (name, body) in &bodies[1..] {
        assert!(body.len() <= 50 * 1024 * 1024, "{name}");
        let n = std::str::from_utf8(body).unwrap().matches("<url>").count();
        assert!(n <= 50_000, "{name} lists {n} URLs");
        urls += n;
    }
    assert_eq!(urls, pages.len());
    if let Some(errors) = sitemap_xsd_errors(&bodies[1..]) {
        assert!(errors.is_empty(), "{errors}");
    }
}

// ---- Alarms as RFC 5545 has them, the feeds' limit, identifiers unique across handbooks ----

#[test]
fn calendar_alarms_hold_only_what_rfc_5545_defines_in_a_valarm() {
    let files = generate();
    let ics = text(&files, "calendar/exceptions.ics");
    let unfolded = icalendar::parser::unfold(&ics);
    let calendar = icalendar::parser::read_calendar(&unfolded).expect("a valid iCalendar file");
    let alarms: Vec<_> = calendar
        .components
        .iter()
        .flat_map(|c| &c.components)
        .filter(|c| c.name == "VALARM")
        .collect();
    assert_eq!(alarms.len(), 3);
    for alarm in alarms {
        let names: BTreeSet<&str> = alarm.properties.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            BTreeSet::from(["ACTION", "DESCRIPTION", "TRIGGER"]),
            "RFC 5545 3.6.6 defines no DTSTAMP or UID in a VALARM"
        );
    }

    // Python's icalendar package reads it too, and refuses what the crate used to write.
    let ics_checks = |ics: &[u8]| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("exceptions.ics");
        std::fs::write(&path, ics).unwrap();
        let out = checker(&["ics".as_ref(), path.as_os_str()])?;
        Some((
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    };
    let Some((valid, said)) = ics_checks(ics.as_bytes()) else {
        return;
    };
    assert!(valid, "{said}");
    let stamped = ics.replace(
        "BEGIN:VALARM\r\n",
        "BEGIN:VALARM\r\nDTSTAMP:20260630T000000Z\r\n",
    );
    let (valid, said) = ics_checks(stamped.as_bytes()).unwrap();
    assert!(!valid && said.contains("VALARM holds DTSTAMP"), "{said}");
}

/// A copy of the fixture with its handbook.yaml passed through `edit`.
fn fixture_with(edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let path = dir.path().join("handbook.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(&yaml)).unwrap();
    dir
}

/// An exception that never expires in practice, `expires: 9999-12-31`: the day after it has
/// no iCalendar form (`+100000101` was written), so its event has no end, and lasts the day.
#[test]
fn an_expiry_on_the_last_day_there_is_makes_a_valid_event() {
    use icalendar::Component;
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(), dir.path());
    let record = dir.path().join("data/exceptions/EXC-004.yaml");
    let yaml = std::fs::read_to_string(&record).unwrap();
    std::fs::write(
        &record,
        yaml.replace("expires: 2026-12-31", "expires: 9999-12-31"),
    )
    .unwrap();
    let files = generate_with(dir.path(), None);
    let ics = text(&files, "calendar/exceptions.ics");
    let unfolded = icalendar::parser::unfold(&ics);
    for line in unfolded.split("\r\n").filter(|l| l.starts_with("DT")) {
        let value = line.rsplit(':').next().unwrap();
        assert!(
            value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit())
                || value.len() == 16 && value.ends_with('Z'),
            "{line}"
        );
    }
    let calendar: icalendar::Calendar = ics.parse().expect("a valid iCalendar file");
    let last = calendar
        .events()
        .find(|e| e.get_summary().is_some_and(|s| s.starts_with("EXC-004")))
        .unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
    assert_eq!(
        last.get_start(),
        Some(icalendar::DatePerhapsTime::Date(day))
    );
    assert_eq!(last.get_end(), None);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exceptions.ics");
    std::fs::write(&path, &ics).unwrap();
    if let Some(out) = checker(&["ics".as_ref(), path.as_os_str()]) {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn feeds_hold_the_newest_entries_up_to_the_limit() {
    let full = generate();
    let limited = fixture_with(|yaml| format!("{yaml}feeds:\n  limit: 3\n"));
    let files = generate_with(limited.path(), None);
    let feed = read_feed(file(&files, "feeds/exceptions.xml"));
    let all = read_feed(file(&full, "feeds/exceptions.xml"));
    assert_valid_atom(&feed);
    assert_newest_first(&feed);
    assert_eq!(entry_ids(&feed), entry_ids(&all)[..3]);
    assert_eq!(feed.updated, all.updated);
    // Two incidents, fewer than the limit: both are kept.
    let incidents = read_feed(file(&files, "feeds/incidents.xml"));
    assert_eq!(entry_ids(&incidents), ["INC-002", "INC-001"]);
}

/// The fixture's handbook.yaml without its `id`.
fn without_id(yaml: &str) -> String {
    let kept: Vec<&str> = yaml.lines().filter(|l| !l.starts_with("id:")).collect();
    assert!(kept.len() < yaml.lines().count(), "the fixture has an id");
    kept.join("\n") + "\n"
}

/// Every identifier a build writes for use outside the site, each read with its format's
/// parser: the value of every `uuid` key of exports/poam.json, every Atom `<id>` of both
/// feeds, and every UID of the calendar, each list checked to be there.
fn identifiers(files: &[(String, Vec<u8>)]) -> BTreeSet<String> {
    fn uuids(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map {
                    match v.as_str() {
                        Some(uuid) if key == "uuid" => out.push(uuid.to_string()),
                        _ => uuids(v, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| uuids(v, out)),
            _ => {}
        }
    }
    fn uids(component: &icalendar::parser::Component, out: &mut Vec<String>) {
        for prop in component.properties.iter().filter(|p| p.name == "UID") {
            out.push(prop.val.to_string());
        }
        component.components.iter().for_each(|c| uids(c, out));
    }

    let mut oscal = Vec::new();
    uuids(
        &serde_json::from_slice(file(files, "exports/poam.json")).unwrap(),
        &mut oscal,
    );
    // The document, 4 risks and their items, their log entries, parties and remediations.
    assert!(oscal.len() > 9, "{oscal:?}");

    let mut atom = Vec::new();
    for path in ["feeds/exceptions.xml", "feeds/incidents.xml"] {
        let xml = text(files, path);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        atom.extend(
            doc.descendants()
                .filter(|n| n.has_tag_name(("http://www.w3.org/2005/Atom", "id")))
                .map(|n| n.text().unwrap_or_default().to_string()),
        );
    }
    assert_eq!(
        atom.len(),
        2 + 5 + 2,
        "two feeds, five exceptions, two incidents"
    );

    let ics = text(files, "calendar/exceptions.ics");
    let unfolded = icalendar::parser::unfold(&ics);
    let mut calendar = Vec::new();
    for component in icalendar::parser::read_calendar(&unfolded)
        .unwrap()
        .components
    {
        uids(&component, &mut calendar);
    }
    assert_eq!(
        calendar.len(),
        3,
        "one per approved exception: {calendar:?}"
    );

    let all: Vec<String> = oscal.into_iter().chain(atom).chain(calendar).collect();
    let distinct: BTreeSet<String> = all.iter().cloned().collect();
    assert_eq!(
        distinct.len(),
        all.len(),
        "an identifier is used twice: {all:?}"
    );
    distinct
}

#[test]
fn two_handbooks_of_the_same_records_share_no_identifier() {
    let yaml = std::fs::read_to_string(fixture().join("handbook.yaml")).unwrap();
    let other_id = yaml.replace(
        "id: 6f1d3b0a-2c47-4e8b-9d15-7a0c9e4b2f61",
        "id: 0b6f2c1e-4d7a-4c1b-9a51-3f0e8f6d2a10",
    );
    assert_ne!(other_id, yaml);
    let bare = without_id(&yaml);
    let retitled = bare.replace("title: Exports Test Handbook", "title: Another Handbook");
    let at = |host: &str| format!("{bare}base_url: https://{host}/security/\n");
    let pairs = [
        ("only the id differs", yaml.clone(), other_id),
        ("no id, only the title differs", bare.clone(), retitled),
        (
            "no id, only base_url differs",
            at("a.example"),
            at("b.example"),
        ),
    ];
    for (what, first, second) in pairs {
        let (a, b) = (
            fixture_with(|_| first.clone()),
            fixture_with(|_| second.clone()),
        );
        let ids = |dir: &tempfile::TempDir| identifiers(&generate_with(dir.path(), None));
        let (ids_a, ids_b) = (ids(&a), ids(&b));
        let shared: Vec<_> = ids_a.intersection(&ids_b).collect();
        assert!(shared.is_empty(), "{what}: both handbooks write {shared:?}");
        assert_eq!(
            ids_a,
            ids(&a),
            "{what}: the identifiers are the same on every build"
        );
    }
}

#[test]
fn a_handbook_without_id_is_warned_once_and_one_with_an_id_not_at_all() {
    let message = "handbook.yaml has no `id`";
    let bare = fixture_with(without_id);
    for command in ["check", "build"] {
        let out = common::secbook(bare.path(), &[command, "."]);
        let stderr = common::stderr(&out);
        assert_eq!(stderr.matches(message).count(), 1, "{command}: {stderr}");
        assert!(stderr.contains("derive from the title"), "{stderr}");
        assert!(stderr.contains("`uuidgen`"), "{stderr}");
    }
    let out = common::secbook(&fixture(), &["check", "."]);
    common::assert_code(&out, 0);
    assert!(
        !common::stderr(&out).contains(message),
        "{}",
        common::describe(&out)
    );
}

/// Each export says how many warnings the handbook has, in one line, and leaves them to
/// `check`: a CI job that runs `check` and both exports printed them twice.
#[test]
fn exports_count_the_warnings_and_leave_them_to_check() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_example(dir.path());
    for (what, file) in [("tracker", "x.csv"), ("poam", "p.json")] {
        let out = common::command()
            .args(["export", what, "-o", file])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", common::describe(&out));
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(said.lines().count(), 1, "{said}");
        assert!(
            said.trim_end()
                .ends_with("warning(s): `secbook check` lists them"),
            "{said}"
        );
    }
}

/// OSCAL's Markdown fields hold a record's plain title with Markdown's marks escaped, so an
/// OSCAL reader shows the title as written; its plain strings (a prop's value, a party's
/// name) hold the text as it is.
#[test]
fn poam_escapes_markup_only_in_its_markdown_fields() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("hb");
    copy_dir(&fixture(), &root);
    let record = root.join("data/exceptions/EXC-001.yaml");
    let text = std::fs::read_to_string(&record).unwrap();
    let title = text.lines().find(|l| l.starts_with("title:")).unwrap();
    let text = text.replacen(
        title,
        "title: \"Wildcard *admin* in [IAM](http://x) & more\"",
        1,
    );
    std::fs::write(&record, text).unwrap();
    let files = generate_with(&root, None);
    let poam: serde_json::Value =
        serde_json::from_slice(file(&files, "exports/poam.json")).unwrap();
    let poam = &poam["plan-of-action-and-milestones"];
    let risk = (poam["risks"].as_array().unwrap().iter())
        .find(|r| r["props"][0]["value"] == "EXC-001")
        .unwrap();
    assert_eq!(
        risk["title"],
        r"Wildcard \*admin\* in \[IAM\](http://x) \& more"
    );
    let owner = (risk["props"].as_array().unwrap().iter())
        .find(|p| p["name"] == "risk-owner")
        .unwrap();
    assert!(owner["value"].as_str().unwrap().contains('<'), "{owner}");
    assert!(!owner["value"].as_str().unwrap().contains('\\'), "{owner}");
}
