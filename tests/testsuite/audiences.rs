//! Audiences (SPEC 12), tested the way an attacker would look. The fixture
//! `valid/audiences` holds a canary in every text that some audience may not read: in each
//! field of its hidden records, in its hidden pages' front matter, headings, text and file
//! names, in the files beside them, in the people only hidden records name, and in the
//! fields audiences redact. A canary is `zq`, the level of what holds it (0 public to 3
//! topsecret), the field, a number and `zq`, in any case. Each audience's site, report,
//! messages, exports and preview are searched, every byte of every file and its path,
//! with every encoding the site writes text in undone, for the canaries it may not see. A
//! property test does the same for records classified at random, and checks that an
//! audience's metrics are those of the handbook without what it may not read.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use proptest::prelude::*;
use secbook::harness;

use crate::common::{self, BookTest, Files, assert_code, files_below, stderr};

const FIXTURE: &str = "valid/audiences";

/// A canary: what holds it, by its level and field (written without `_`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Canary {
    /// Lower case, as every search compares.
    text: String,
    level: usize,
    field: String,
}

/// Every canary in `text`, in any case, with each spelling met.
fn canaries_in(text: &str, found: &mut BTreeMap<Canary, BTreeSet<String>>) {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(at) = lower[from..].find("zq").map(|i| from + i) {
        from = at + 2;
        let rest = &bytes[at + 2..];
        let Some(&digit) = rest.first().filter(|b| b.is_ascii_digit()) else {
            continue;
        };
        let letters = rest[1..]
            .iter()
            .take_while(|b| b.is_ascii_lowercase())
            .count();
        let digits = rest[1 + letters..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let end = at + 2 + 1 + letters + digits;
        if letters == 0 || digits == 0 || !lower[end..].starts_with("zq") {
            continue;
        }
        let canary = Canary {
            text: lower[at..end + 2].to_string(),
            level: usize::from(digit - b'0'),
            field: lower[at + 3..at + 3 + letters].to_string(),
        };
        found
            .entry(canary)
            .or_default()
            .insert(text[at..end + 2].to_string());
        from = end + 2;
    }
}

/// Every canary of the handbook at `root`, in the text and the name of its files, with
/// the spellings it is written in.
fn canaries_of(root: &Path) -> BTreeMap<Canary, BTreeSet<String>> {
    let mut found = BTreeMap::new();
    for (path, bytes) in files_below(root) {
        canaries_in(&path, &mut found);
        canaries_in(&String::from_utf8_lossy(&bytes), &mut found);
    }
    found
}

/// An audience as handbook.yaml defines it: the rank of the highest level it may read,
/// and the fields it redacts, written as canaries write them.
#[derive(Debug, Clone)]
struct Reader {
    name: String,
    max: usize,
    redact: Vec<String>,
}

impl Reader {
    fn may_see(&self, canary: &Canary) -> bool {
        canary.level <= self.max && !self.redact.contains(&canary.field)
    }
}

/// The audiences of a handbook.yaml.
fn readers(handbook_yaml: &str) -> Vec<Reader> {
    let config: serde_yaml::Value = serde_yaml::from_str(handbook_yaml).unwrap();
    let levels: Vec<&str> = config["classification"]["levels"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    config["audiences"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(name, audience)| Reader {
            name: name.as_str().unwrap().to_string(),
            max: levels
                .iter()
                .position(|l| Some(*l) == audience["max"].as_str())
                .unwrap(),
            redact: audience["redact"]
                .as_sequence()
                .map(|fields| {
                    let field = |f: &serde_yaml::Value| f.as_str().unwrap().replace('_', "");
                    fields.iter().map(field).collect()
                })
                .unwrap_or_default(),
        })
        .collect()
}

/// What the bytes of a file read as once each encoding the site writes text in is undone
/// (HTML and XML character references, JSON escapes, percent-encoding, the folded lines
/// and escapes of iCalendar), each alone and all together, in lower case.
fn readings(bytes: &[u8]) -> Vec<String> {
    let raw = String::from_utf8_lossy(bytes).into_owned();
    let all = percent_decode(&html_unescape(&json_unescape(&ics_unfold(&raw))));
    [
        ics_unfold(&raw),
        json_unescape(&raw),
        html_unescape(&raw),
        percent_decode(&raw),
        all,
        raw,
    ]
    .into_iter()
    .map(|r| r.to_lowercase())
    .collect()
}

fn ics_unfold(text: &str) -> String {
    text.replace("\r\n ", "")
        .replace("\r\n\t", "")
        .replace("\\,", ",")
        .replace("\\;", ";")
        .replace("\\n", "\n")
        .replace("\\N", "\n")
}

fn json_unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let unicode = after
            .strip_prefix('u')
            .and_then(|h| h.get(..4))
            .and_then(|h| u32::from_str_radix(h, 16).ok());
        if let Some(code) = unicode {
            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
            rest = &after[5..];
        } else if let Some(c) = after.chars().next() {
            out.push(match c {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                other => other,
            });
            rest = &after[c.len_utf8()..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn html_unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let entity = after
            .find(';')
            .filter(|&end| end <= 10)
            .map(|end| &after[..end]);
        let decoded = entity.and_then(|e| match e {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => {
                let number = e.strip_prefix('#')?;
                let code = match number.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => number.parse().ok()?,
                };
                char::from_u32(code)
            }
        });
        match (entity, decoded) {
            (Some(e), Some(c)) => {
                out.push(c);
                rest = &after[e.len() + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The base64 of `text` as it would read inside a longer encoding, at each of the three
/// places it could start: a data: URL would hide a canary from every other reading.
fn base64_forms(text: &str) -> Vec<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let encode = |bytes: &[u8]| -> String {
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    };
    (0..3)
        .map(|pad| {
            let mut bytes = vec![0u8; pad];
            bytes.extend(text.as_bytes());
            let encoded = encode(&bytes);
            // Drop the characters that mix in the padding or what would follow.
            let skip = if pad == 0 { 0 } else { pad + 1 };
            let keep = (text.len() * 4 / 3).saturating_sub(2);
            encoded.chars().skip(skip).take(keep).collect()
        })
        .collect()
}

/// Compressed data starts with one of these: such a file would hide a canary from
/// every reading, so the site must hold none until this test decodes it.
const COMPRESSED: &[&[u8]] = &[
    b"\x1f\x8b",
    b"PK\x03\x04",
    b"\x28\xb5\x2f\xfd",
    b"\xfd7zXZ\x00",
    b"BZh",
    b"\x78\x01",
    b"\x78\x9c",
    b"\x78\xda",
];

/// Each canary `reader` may not see that `files` (a site, or any output by name) hold,
/// with where: in a file's path, or in its bytes once decoded.
fn leaks(
    files: &Files,
    canaries: &BTreeMap<Canary, BTreeSet<String>>,
    reader: &Reader,
) -> Vec<String> {
    let mut out = Vec::new();
    let hidden: Vec<(&Canary, &BTreeSet<String>)> = canaries
        .iter()
        .filter(|(c, _)| !reader.may_see(c))
        .collect();
    for (path, bytes) in files {
        if let Some(magic) = COMPRESSED.iter().find(|m| bytes.starts_with(m)) {
            out.push(format!(
                "{path} is compressed ({magic:?}): decode it in this test"
            ));
        }
        let path_readings = [path.to_lowercase(), percent_decode(path).to_lowercase()];
        let readings = readings(bytes);
        let raw = String::from_utf8_lossy(bytes);
        for (canary, spellings) in &hidden {
            if path_readings.iter().any(|p| p.contains(&canary.text)) {
                out.push(format!("{} in the path {path}", canary.text));
            }
            if readings.iter().any(|r| r.contains(&canary.text)) {
                out.push(format!("{} in {path}", canary.text));
            }
            let encoded = spellings.iter().flat_map(|s| base64_forms(s));
            if encoded.into_iter().any(|b| raw.contains(&b)) {
                out.push(format!("{} in base64 in {path}", canary.text));
            }
        }
    }
    out
}

/// The canaries that `files` hold, as [`leaks`] finds them.
fn found(files: &Files, canaries: &BTreeMap<Canary, BTreeSet<String>>) -> BTreeSet<String> {
    let sees_nothing = Reader {
        name: "nobody".into(),
        max: 0,
        redact: Vec::new(),
    };
    let every = canaries
        .iter()
        .map(|(c, s)| {
            (
                Canary {
                    level: 99,
                    ..c.clone()
                },
                s.clone(),
            )
        })
        .collect();
    leaks(files, &every, &sees_nothing)
        .into_iter()
        .filter_map(|l| l.split(' ').next().map(str::to_string))
        .collect()
}

/// The canaries of the fixture that no output shows to anyone: the people.yaml entries
/// of a manager, who is named nowhere else.
const NOT_SHOWN: &[&str] = &["zq2personmanager1zq"];

fn fixture_readers() -> Vec<Reader> {
    let readers =
        readers(&fs::read_to_string(common::fixture(FIXTURE).join("handbook.yaml")).unwrap());
    assert_eq!(readers.len(), 4, "{readers:?}");
    readers
}

/// THE TEST OF SPEC 12: no byte of an audience's site holds a canary it may not see, and
/// the site of the audience that sees everything holds every canary but those no output
/// shows, so that the search is known to find them.
#[test]
fn no_audience_site_holds_what_it_may_not_see() {
    let book = BookTest::from_fixture(FIXTURE);
    let canaries = canaries_of(&common::fixture(FIXTURE));
    assert!(canaries.len() > 100, "{}", canaries.len());
    let mut problems = Vec::new();
    for reader in fixture_readers() {
        let site = book.build(&reader.name, &["--audience", &reader.name]);
        problems.extend(
            leaks(&site, &canaries, &reader)
                .into_iter()
                .map(|l| format!("{}: {l}", reader.name)),
        );
        let seen = found(&site, &canaries);
        let may_see: BTreeSet<String> = canaries
            .keys()
            .filter(|c| reader.may_see(c) && !NOT_SHOWN.contains(&c.text.as_str()))
            .map(|c| c.text.clone())
            .collect();
        if reader.name == "security" {
            let missing: Vec<_> = may_see.difference(&seen).collect();
            assert!(missing.is_empty(), "the search does not find {missing:?}");
        } else {
            assert!(
                !seen.is_empty() || reader.max == 0,
                "{} sees nothing",
                reader.name
            );
        }
    }
    assert!(
        problems.is_empty(),
        "{} leaks:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// `text` with each canary made a top secret one: `Zq1title1zq` becomes `Zq3title1zq`.
fn top_secret(text: &str) -> String {
    let mut found = BTreeMap::new();
    canaries_in(text, &mut found);
    let mut out = text.to_string();
    for spelling in found.values().flatten() {
        out = out.replace(spelling, &format!("{}3{}", &spelling[..2], &spelling[3..]));
    }
    out
}

/// Every canary in `text` numbered anew: `zq1summary1zq` becomes `zq1summary91zq`, a
/// canary of the same level and field that the fixture does not hold.
fn renumbered(text: &str) -> String {
    let mut found = BTreeMap::new();
    canaries_in(text, &mut found);
    let mut out = text.to_string();
    for spelling in found.values().flatten() {
        let digits = spelling[..spelling.len() - 2]
            .bytes()
            .rev()
            .take_while(u8::is_ascii_digit)
            .count();
        let at = spelling.len() - 2 - digits;
        out = out.replace(
            spelling,
            &format!("{}9{}", &spelling[..at], &spelling[at..]),
        );
    }
    out
}

/// With history (SPEC 14), no byte of an audience's site holds a canary it may not see
/// either. Each record file is committed first with its canaries numbered anew, then as
/// the fixture has it, so the History sections and api/history.json hold the old values
/// beside the new; that commit is written by a person a redacted field names, and its
/// subject names a hidden record by id and title, texts of other fields of hidden records
/// (a ticket in another case, a person, a justification, an approval's note), a redacted
/// text, and a hidden page by title, heading and path. A visible record's old value is a
/// hidden record's ticket: what git gives is scrubbed wherever it is shown.
///
/// What only an older version holds is as hidden: EXC-001 was top secret at first, each of
/// its canaries then a top secret one; a hidden record's file, since deleted, had an id of
/// its own; and the subject names a hidden record's old ticket and the old value of a
/// redacted field.
#[test]
fn with_history_no_audience_site_holds_what_it_may_not_see() {
    let book = BookTest::from_fixture(FIXTURE);
    let mut canaries = canaries_of(&common::fixture(FIXTURE));
    let records: Vec<String> = files_below(&book.dir.join("data"))
        .into_keys()
        .filter(|path| path.ends_with(".yaml") && path != "people.yaml")
        .map(|path| format!("data/{path}"))
        .collect();
    let fixture: Vec<String> = records.iter().map(|rel| book.read(rel)).collect();
    for (rel, text) in records.iter().zip(&fixture) {
        let mut old = renumbered(text).replace("[internal-tag]", "[ZQ3TICKETS1ZQ]");
        if rel.ends_with("EXC-001.yaml") {
            old = top_secret(&old) + "classification: topsecret\n";
        }
        canaries_in(&old, &mut canaries);
        book.write(rel, &old);
    }
    let gone = "data/exceptions/EXC-ZQ3ID7ZQ.yaml";
    let hidden = renumbered(&book.read("data/exceptions/EXC-ZQ3ID1ZQ.yaml"));
    let hidden = hidden.replace("EXC-ZQ3ID91ZQ", "EXC-ZQ3ID7ZQ");
    canaries_in(&hidden, &mut canaries);
    book.write(gone, &hidden);
    crate::common::git(&book.dir, &["init", "-q", "-b", "main"], &[]);
    crate::common::commit(
        &book.dir,
        "2026-06-01",
        ("Ann Lee", "ann@example.com"),
        "Start",
    );
    for (rel, text) in records.iter().zip(&fixture) {
        book.write(rel, text);
    }
    fs::remove_file(book.dir.join(gone)).unwrap();
    crate::common::commit(
        &book.dir,
        "2026-06-02",
        ("Zq1riskowner1zq Gone", "zq1riskowner2zq@example.com"),
        "Renumber EXC-ZQ3ID1ZQ (Zq3title1zq) and ZQ1ASSETS1ZQ with zq3tickets1zq of \
         Zq3commander1zq Hidden, Zq2justification1zq. and Zq2approvals4zq, see Zq3pagetitle2zq, \
         Zq2pageheading1zq and zq2dir1zq/zq2page1zq.md; drop EXC-ZQ3ID7ZQ, was zq3tickets91zq \
         and Zq2stakeholders91zq",
    );
    let mut problems = Vec::new();
    for reader in fixture_readers() {
        let site = book.build(&reader.name, &["--audience", &reader.name, "--history"]);
        assert!(site.contains_key("api/history.json"), "{}", reader.name);
        problems.extend(
            leaks(&site, &canaries, &reader)
                .into_iter()
                .map(|l| format!("{}: {l}", reader.name)),
        );
        if reader.name == "security" {
            let seen = found(&site, &canaries);
            for old in ["zq3riskowner91zq", "zq3title91zq", "zq3tags91zq"] {
                assert!(seen.contains(old), "the history does not show {old}");
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} leaks:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// A commit's subject loses, for an audience, every text of a record it may not see and
/// every text of a field it redacts, in any case, and keeps what it sees elsewhere: the
/// owner of a hidden record who owns a shown one too, unless that field is redacted.
#[test]
fn a_commit_subject_keeps_of_hidden_records_only_what_the_audience_sees_elsewhere() {
    let book = BookTest::empty();
    book.write(
        "handbook.yaml",
        "title: Subjects\nas_of: 2026-06-30\nclassification:\n  levels: [internal, secret]\n  \
         default: internal\naudiences:\n  staff: { max: internal }\n  \
         auditors: { max: internal, redact: [risk_owner] }\n",
    );
    book.write("content/_index.md", "---\ntitle: Home\n---\nHome.\n");
    let exception = |id: &str, title: &str, level: &str, ticket: &str| {
        let fields = format!("severity: low\nsummary: S.\ntickets: [{ticket}]\n");
        pending(&book, id, title, level, &fields);
    };
    exception("EXC-001", "Open door", "internal", "SEC-1366");
    exception("EXC-002", "Covert vault", "secret", "SEC-1419");
    common::git(&book.dir, &["init", "-q", "-b", "main"], &[]);
    common::commit(&book.dir, "2026-06-01", ("Bo", "bo@example.com"), "Start");
    book.replace("data/exceptions/EXC-001.yaml", "Open door", "Open doors");
    common::commit(
        &book.dir,
        "2026-06-02",
        ("Bo", "bo@example.com"),
        "EXC-001 and exc-002: Ann Lee compares SEC-1366 with sec-1419 (covert\tVAULT)",
    );
    for (audience, owner) in [("staff", "Ann Lee"), ("auditors", "redacted")] {
        let site = book.build(audience, &["--audience", audience, "--history"]);
        let history = String::from_utf8_lossy(&site["api/history.json"]);
        let subject =
            format!("EXC-001 and redacted: {owner} compares SEC-1366 with redacted (redacted)");
        assert!(history.contains(&subject), "{audience}: {history}");
    }
}

/// A record renamed to a new id and hidden in one change is hidden in every version its
/// history follows: a subject that names its old id and title keeps neither. A hidden
/// file is named in a subject as git names it, by its path in content/, and a hidden page
/// by its address in the site, with or without its slash, as a URL ends.
#[test]
fn a_subject_keeps_nothing_of_a_hidden_record_by_its_former_id() {
    let book = auditors_redacting("tickets");
    let exception = |id: &str, title: &str, level: &str| {
        let fields = "severity: low\nsummary: The harbor's tide gauge.\n";
        pending(&book, id, title, level, fields);
    };
    exception("EXC-001", "Open door", "internal");
    exception("EXC-010", "Blue Harbor", "internal");
    book.write(
        "content/deal.md",
        "---\ntitle: Deal\nclassification: secret\n---\nThe [sheet](<Term Sheet.pdf>).\n",
    );
    book.write("content/Term Sheet.pdf", "terms");
    book.write(
        "content/plans/q3-target.md",
        "---\ntitle: Acquisition\nclassification: secret\n---\nWho.\n",
    );
    common::git(&book.dir, &["init", "-q", "-b", "main"], &[]);
    common::commit(&book.dir, "2026-06-01", ("Bo", "bo@example.com"), "Start");
    fs::remove_file(book.dir.join("data/exceptions/EXC-010.yaml")).unwrap();
    exception("EXC-090", "Red Harbor", "secret");
    common::commit(&book.dir, "2026-06-02", ("Bo", "bo@example.com"), "Rename");
    book.replace("data/exceptions/EXC-001.yaml", "Open door", "Open doors");
    common::commit(
        &book.dir,
        "2026-06-03",
        ("Bo", "bo@example.com"),
        "EXC-001: see EXC-010 (Blue Harbor), now EXC-090, and content/Term Sheet.pdf, \
         as plans/q3-target/ and plans/q3-target/index.html say (https://hb.example/plans/q3-target)",
    );
    let whole = book.build("whole", &["--history"]);
    let history = String::from_utf8_lossy(&whole["api/history.json"]);
    assert!(
        history.contains("\"EXC-010\""),
        "the rename is followed: {history}"
    );
    let site = book.build("auditors", &["--audience", "auditors", "--history"]);
    let history = String::from_utf8_lossy(&site["api/history.json"]);
    assert!(
        history.contains(
            "EXC-001: see redacted (redacted), now redacted, and content/redacted, as redacted \
             and redacted say (https://hb.example/redacted)"
        ),
        "{history}"
    );
}

/// Writes a pending acceptance `id` of Ann Lee's, titled `title`, classified `level`, with
/// `fields` (its severity and summary, and any other) as YAML lines.
fn pending(book: &BookTest, id: &str, title: &str, level: &str, fields: &str) {
    book.write(
        &format!("data/exceptions/{id}.yaml"),
        &format!(
            "id: {id}\ntitle: {title}\ntype: acceptance\nstatus: pending\n\
             classification: {level}\nrequested_by: \"Ann Lee <ann@example.com>\"\n\
             risk_owner: \"Ann Lee <ann@example.com>\"\ncreated: 2026-05-01\n\
             justification: J.\n{fields}"
        ),
    );
}

/// A handbook of one page whose audience `auditors` reads what is internal but `field`.
fn auditors_redacting(field: &str) -> BookTest {
    let book = BookTest::empty();
    book.write(
        "handbook.yaml",
        &format!(
            "title: Redacted\nas_of: 2026-06-30\nclassification:\n  levels: [internal, \
             secret]\n  default: internal\naudiences:\n  auditors: {{ max: internal, redact: \
             [{field}] }}\n"
        ),
    );
    book.write("content/_index.md", "---\ntitle: Home\n---\nHome.\n");
    book
}

/// A record declassified since the baseline revision is not compared with it for an
/// audience that may not read that version: a finding would tell its severity and expiry
/// then, where its history shows that they changed, not what they were.
#[test]
fn a_baseline_version_above_the_audience_is_not_compared() {
    let book = auditors_redacting("tickets");
    let record = |level: &str, severity: &str, expires: &str| {
        let fields = format!("severity: {severity}\nexpires: {expires}\nsummary: S.\n");
        pending(&book, "EXC-001", "Open door", level, &fields);
    };
    record("secret", "critical", "2026-07-01");
    common::git(&book.dir, &["init", "-q", "-b", "main"], &[]);
    common::commit(&book.dir, "2026-06-01", ("Bo", "bo@example.com"), "Start");
    record("internal", "low", "2026-12-01");
    let args = |audience: &'static str| ["--audience", audience, "--baseline", "HEAD"];
    let whole = book.build("whole", &["--baseline", "HEAD"]);
    let findings = String::from_utf8_lossy(&whole["api/findings.json"]);
    assert!(
        findings.contains("severity lowered from critical to low"),
        "{findings}"
    );
    assert!(
        findings.contains("expiry moved from 2026-07-01"),
        "{findings}"
    );
    let site = book.build("auditors", &args("auditors"));
    for (path, bytes) in &site {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains("critical to low") && !text.contains("2026-07-01"),
            "{path}"
        );
    }
}

/// A redacted text that is a word of secbook's own vocabularies (an approver's role written
/// "Security", a side of the policy) is not scrubbed from what secbook writes with that
/// word: a finding keeps saying which side's approval is missing.
#[test]
fn a_redacted_text_that_is_a_word_of_the_vocabularies_leaves_them_readable() {
    let book = auditors_redacting("approvals");
    book.write(
        "data/exceptions/EXC-001.yaml",
        "id: EXC-001\ntitle: Open door\ntype: acceptance\nseverity: high\nstatus: approved\n\
         requested_by: \"Ann Lee <ann@example.com>\"\nrisk_owner: \"Ann Lee <ann@example.com>\"\n\
         created: 2026-05-01\ndecided: 2026-05-02\nexpires: 2026-09-01\nsummary: S.\n\
         justification: J.\napprovals:\n  - { name: Bob Biz, role: Security, side: business, \
         level: director, decision: approved, date: 2026-05-02 }\n",
    );
    let site = book.build("auditors", &["--audience", "auditors"]);
    let findings = String::from_utf8_lossy(&site["api/findings.json"]);
    assert!(
        findings.contains("without a security approval"),
        "{findings}"
    );
    assert!(!findings.contains("Bob Biz"), "{findings}");
}

/// An approval by the person who requested the exception is a finding an audience that
/// may not read `requested_by` still gets, but told at that field, which reads "redacted":
/// at the approval, or by the approver's name, it would say who requested it.
#[test]
fn a_self_approval_does_not_name_a_redacted_requester() {
    let book = auditors_redacting("requested_by");
    book.write(
        "data/exceptions/EXC-001.yaml",
        "id: EXC-001\ntitle: Open door\ntype: acceptance\nseverity: low\nstatus: approved\n\
         requested_by: ann@example.com\nrisk_owner: \"Cy Doe <cy@example.com>\"\n\
         created: 2026-05-01\ndecided: 2026-05-02\nexpires: 2026-09-01\nsummary: S.\n\
         justification: J.\napprovals:\n  - { name: Bob Biz, role: r, side: business, \
         level: director, decision: approved, date: 2026-05-02 }\n  - { name: Ann Lee, \
         email: ann@example.com, role: r, side: security, level: director, decision: approved, \
         date: 2026-05-02 }\n",
    );
    let whole = book.build("whole", &[]);
    let findings = String::from_utf8_lossy(&whole["api/findings.json"]);
    assert!(
        findings.contains("\"line\":15") && findings.contains("Ann Lee approved EXC-001"),
        "{findings}"
    );

    let site = book.build("auditors", &["--audience", "auditors"]);
    let findings = String::from_utf8_lossy(&site["api/findings.json"]);
    assert!(
        findings.contains("EXC-001 was approved by the person who requested it"),
        "{findings}"
    );
    assert!(findings.contains("\"line\":6,"), "{findings}");
    assert!(!findings.contains("\"line\":15"), "{findings}");
    assert!(!findings.contains("Ann"), "{findings}");
}

/// An impact an audience may not read shows its number and answer as redacted, not as
/// never recorded, which would tell the reader something false.
#[test]
fn a_redacted_impact_reads_redacted_not_unrecorded() {
    let book = auditors_redacting("impact");
    book.write(
        "data/incidents/INC-001.yaml",
        "id: INC-001\ntitle: Phishing\nseverity: sev2\nstatus: resolved\ncommander: Ann Lee\n\
         source: employee\nreported: 2026-05-01T10:00:00Z\nresolved: 2026-05-03\n\
         summary: A phishing mail.\nimpact: { customers_affected: 73125, data_exposed: true }\n",
    );
    let cell = |site: &Files, dt: &str| {
        let page = String::from_utf8_lossy(&site["incidents/INC-001/index.html"]).into_owned();
        let at = page.find(&format!("<dt>{dt}</dt><dd>")).expect(dt);
        page[at..].split("</dd>").next().unwrap().to_string()
    };
    let whole = book.build("whole", &[]);
    assert!(cell(&whole, "Customers affected").ends_with("73125"));
    assert!(cell(&whole, "Data exposed").contains("yes"));

    let site = book.build("auditors", &["--audience", "auditors"]);
    for dt in ["Customers affected", "Data exposed"] {
        let cell = cell(&site, dt);
        assert!(
            cell.ends_with("<span class=\"muted\">redacted</span>"),
            "{cell}"
        );
    }
    let page = String::from_utf8_lossy(&site["incidents/INC-001/index.html"]);
    assert!(!page.contains("73125"), "{page}");
}

/// Each audience's POA&M is a document of its own, with a UUID of its own, where every
/// audience's had the same: the risks two audiences share keep their UUIDs. So is each
/// audience's feed, by its id, where the entries two share keep theirs.
#[test]
fn each_audience_has_a_poam_and_feeds_of_its_own() {
    let book = BookTest::from_fixture(FIXTURE);
    let mut documents: Vec<(String, Vec<String>)> = Vec::new();
    for reader in fixture_readers() {
        let out = book.run(&["export", "poam", ".", "--audience", reader.name.as_str()]);
        // A view with no approved or pending exception has no plan to export.
        if out.status.code() == Some(2) {
            continue;
        }
        assert_code(&out, 0);
        let poam: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let poam = &poam["plan-of-action-and-milestones"];
        let risks = poam["risks"].as_array().unwrap();
        let risks = risks
            .iter()
            .map(|r| r["uuid"].as_str().unwrap().to_string());
        documents.push((poam["uuid"].as_str().unwrap().to_string(), risks.collect()));
    }
    assert!(documents.len() >= 2, "{documents:?}");
    let mut feeds: Vec<(String, Vec<String>)> = Vec::new();
    for reader in fixture_readers() {
        let name = reader.name.as_str();
        let site = book.build(name, &["--audience", name]);
        let feed = String::from_utf8_lossy(&site["feeds/exceptions.xml"]).into_owned();
        let ids = feed
            .split("<id>")
            .skip(1)
            .map(|s| s.split('<').next().unwrap());
        let ids: Vec<String> = ids.map(str::to_string).collect();
        feeds.push((ids[0].clone(), ids[1..].to_vec()));
    }
    for documents in [&documents, &feeds] {
        for (i, (uuid, parts)) in documents.iter().enumerate() {
            for (other, other_parts) in &documents[i + 1..] {
                assert_ne!(uuid, other);
                assert!(
                    parts.iter().any(|r| other_parts.contains(r)),
                    "{documents:?}"
                );
            }
        }
    }
}

/// `report`, `notify` and `export` for an audience hold nothing it may not see either.
#[test]
fn report_notify_and_exports_of_an_audience_hold_what_it_may_see() {
    let book = BookTest::from_fixture(FIXTURE);
    let canaries = canaries_of(&common::fixture(FIXTURE));
    let mut problems = Vec::new();
    for reader in fixture_readers() {
        let mut outputs = Files::new();
        let audience = ["--audience", reader.name.as_str()];
        for format in ["markdown", "json"] {
            let out = book.run(&[&["report", ".", "--format", format][..], &audience].concat());
            assert_code(&out, 0);
            outputs.insert(format!("report.{format}"), out.stdout);
        }
        for what in ["tracker", "poam"] {
            let out = book.run(&[&["export", what, "."][..], &audience].concat());
            // A view with no approved or pending exception has no plan to export.
            if what == "poam" && out.status.code() == Some(2) {
                continue;
            }
            assert_code(&out, 0);
            outputs.insert(format!("export {what}"), out.stdout);
        }
        let outbox = book.tmp().join(format!("outbox-{}", reader.name));
        let out = book.run(
            &[
                &["notify", ".", "--outbox", outbox.to_str().unwrap()][..],
                &audience,
            ]
            .concat(),
        );
        assert_code(&out, 0);
        // Items whose owner the audience may not read go to the fallback, and say why.
        if reader.redact.iter().any(|f| f == "riskowner") {
            let report = String::from_utf8_lossy(&outputs["report.markdown"]).into_owned();
            assert!(
                report.contains("Items whose owner this audience may not read go to the fallback")
                    && !report.contains("redacted has no email address"),
                "{report}"
            );
        }
        outputs.insert("notify's standard output".into(), out.stdout);
        if outbox.exists() {
            outputs.extend(files_below(&outbox));
        }
        problems.extend(
            leaks(&outputs, &canaries, &reader)
                .into_iter()
                .map(|l| format!("{}: {l}", reader.name)),
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `serve --audience` sends the audience's site and nothing else: each file of its build
/// is asked for, and so is every page of the whole handbook's site.
#[test]
fn a_preview_of_an_audience_serves_what_it_may_see() {
    let book = BookTest::from_fixture(FIXTURE);
    let canaries = canaries_of(&common::fixture(FIXTURE));
    let reader = fixture_readers()
        .into_iter()
        .find(|r| r.name == "staff")
        .unwrap();
    let whole = book.build("security", &["--audience", "security"]);
    let server = crate::serve::spawn(&book.dir, &["--audience", "staff"], None);
    // The paths asked for are the whole site's; what comes back is searched.
    let served: Files = whole
        .keys()
        .enumerate()
        .map(|(i, path)| {
            let (_, body) = crate::serve::get(server.port, &format!("/{path}"));
            (format!("answer {i}"), body.into_bytes())
        })
        .collect();
    let problems = leaks(&served, &canaries, &reader);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let (status, home) = crate::serve::get(server.port, "/process/index.html");
    assert_eq!(status, 200);
    assert!(home.contains("for the audience <strong class=\"audience\">staff</strong>"));
}

/// The status a shared preview on `port` tells other machines once the build fails: that
/// it failed, and nothing a staff reader may not read (the errors are the whole handbook's,
/// and quote hidden records' lines).
fn tells_only_that_the_build_failed(port: u16) {
    let status = crate::serve::eventually(port, "/__secbook/status", |b| {
        b.contains("The build has errors")
    });
    assert!(
        status.contains("the terminal that runs `secbook serve` lists them"),
        "{status}"
    );
    assert!(!status.contains("EXC-ZQ2ID1ZQ"), "{status}");
    let canaries = canaries_of(&common::fixture(FIXTURE));
    let reader = fixture_readers()
        .into_iter()
        .find(|r| r.name == "staff")
        .unwrap();
    let answer = Files::from([("status".to_string(), status.into_bytes())]);
    let problems = leaks(&answer, &canaries, &reader);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A preview of an audience's site open to other machines shows that the build failed,
/// and not its errors.
#[test]
fn a_shared_preview_of_an_audience_shows_no_error_of_the_whole_handbook() {
    let book = BookTest::from_fixture(FIXTURE);
    let server = crate::serve::spawn(
        &book.dir,
        &["--audience", "staff", "--bind", "0.0.0.0"],
        None,
    );
    book.replace("data/exceptions/EXC-ZQ2ID1ZQ.yaml", "title: ", "title: [");
    tells_only_that_the_build_failed(server.port);
}

/// So does a shared preview of the default audience's site when handbook.yaml itself
/// breaks, and with it the setting that names the audience.
#[test]
fn a_shared_preview_keeps_the_errors_to_the_terminal_when_handbook_yaml_breaks() {
    let book = BookTest::from_fixture(FIXTURE);
    let server = crate::serve::spawn(&book.dir, &["--bind", "0.0.0.0"], None);
    book.replace("data/exceptions/EXC-ZQ2ID1ZQ.yaml", "title: ", "title: [");
    book.replace(
        "handbook.yaml",
        "title: Canary Handbook",
        "title: [Canary Handbook",
    );
    tells_only_that_the_build_failed(server.port);
}

/// An audience asked of a handbook.yaml that does not load is not told unknown: the file's
/// own errors are, where it may be defined. `serve` starts and shows them.
#[test]
fn an_audience_of_a_broken_handbook_yaml_gets_its_errors() {
    let book = BookTest::from_fixture(FIXTURE);
    book.replace(
        "handbook.yaml",
        "title: Canary Handbook",
        "title: [Canary Handbook",
    );
    let out = book.run(&["build", "--audience", "staff", "-o", "out"]);
    assert_code(&out, 1);
    let said = stderr(&out);
    assert!(
        said.contains("error: did not find expected ',' or ']'"),
        "{said}"
    );
    assert!(said.contains("handbook.yaml:2:3"), "{said}");
    assert!(!said.contains("unknown audience"), "{said}");
    let server = crate::serve::spawn(&book.dir, &["--audience", "staff"], None);
    let status = crate::serve::eventually(server.port, "/__secbook/status", |b| {
        b.contains("did not find expected")
    });
    assert!(status.contains("handbook.yaml"), "{status}");
}

/// A visible page that links to a hidden page or record keeps the link's text, marked,
/// without the link; a record's Markdown does the same. Every page names the audience in
/// its footer, and the metrics page says whose view it is.
#[test]
fn links_to_what_an_audience_may_not_see_keep_their_text_marked() {
    let book = BookTest::from_fixture(FIXTURE);
    let site = book.build("staff", &["--audience", "staff"]);
    let page = |path: &str| String::from_utf8(site[path].clone()).unwrap();
    let process = page("process/index.html");
    let mark = "<span class=\"restricted-mark\">(restricted)</span></span>";
    for text in ["plan", "this exception", "that incident", "the other page"] {
        let marked = format!("<span class=\"restricted\">{text} {mark}");
        assert!(process.contains(&marked), "{marked} missing in:\n{process}");
    }
    assert!(process.contains("<a href=\"../public/index.html\">public page</a>"));
    // An autolink reads "(restricted)" in search too, as on its page.
    let search = page("search/index.js");
    let read = "The secret one is (restricted), and the top secret incident (restricted).";
    assert!(search.contains(read), "{read} missing in:\n{search}");
    let exception = page("exceptions/EXC-001/index.html");
    assert!(
        exception.contains("the secret one (restricted), the top secret\nincident (restricted)"),
        "{exception}"
    );
    for (path, text) in &site {
        if path.ends_with(".html") && path != "404.html" {
            let html = String::from_utf8_lossy(text);
            assert!(
                html.contains("for the audience <strong class=\"audience\">staff</strong>"),
                "{path}"
            );
        }
    }
    assert!(page("metrics/index.html").contains("This is the view of the audience staff"));
    // Without audiences in handbook.yaml, nothing of this is there.
    let plain = BookTest::from_fixture("valid/basic");
    let site = plain.build("site", &[]);
    let home = String::from_utf8_lossy(&site["index.html"]);
    assert!(!home.contains("audience"), "{home}");
}

/// Raw HTML's links, where a handbook allows it, are held to the same rule as Markdown's:
/// one to what the audience may not see keeps its text, marked, and nothing of where it
/// led; no byte of the site holds a canary the audience may not see.
#[test]
fn raw_html_links_to_what_an_audience_may_not_see_keep_their_text_marked() {
    let book = BookTest::from_fixture(FIXTURE);
    let config = book.read("handbook.yaml").replace(
        "as_of: 2026-06-30\n",
        "as_of: 2026-06-30\nmarkdown:\n  allow_html: true\n",
    );
    book.write("handbook.yaml", &config);
    let links = concat!(
        "\n<p>In HTML: <a href=\"exception:EXC-ZQ2ID1ZQ\">the exception</a>, ",
        "<a href=\"/zq3page1zq.md\" id=\"plan\">the page</a>, <a href=\"public.md\">public</a>.</p>\n",
        "\nThe [plan](#plan).\n",
    );
    let process = book.read("content/process.md") + links;
    book.write("content/process.md", &process);
    let canaries = canaries_of(&common::fixture(FIXTURE));
    let staff = (fixture_readers().into_iter())
        .find(|r| r.name == "staff")
        .unwrap();
    let site = book.build("staff", &["--audience", "staff"]);
    let page = String::from_utf8(site["process/index.html"].clone()).unwrap();
    let mark = "<span class=\"restricted-mark\">(restricted)</span></span>";
    // The restricted link keeps its id, the anchor the page's own link leads to.
    for (open, text) in [("", "the exception"), (" id=\"plan\"", "the page")] {
        let marked = format!("<span class=\"restricted\"{open}>{text} {mark}");
        assert!(page.contains(&marked), "{marked} missing in:\n{page}");
    }
    assert!(page.contains("<a href=\"#plan\">plan</a>"), "{page}");
    assert!(
        page.contains("<a href=\"../public/index.html\">public</a>"),
        "{page}"
    );
    let problems = leaks(&site, &canaries, &staff);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A heading that names a hidden record reads "(restricted)" for an audience that may not
/// see it, and takes the id that title makes: a link written against the whole handbook to
/// it, or to the heading whose id it took, still leads where its author meant.
#[test]
fn links_to_a_heading_that_names_what_an_audience_may_not_see_lead_to_it() {
    let book = BookTest::from_fixture(FIXTURE);
    for (reader, hidden, visible) in [
        (
            "readers",
            "follow-up-on-restricted",
            "follow-up-on-restricted-1",
        ),
        (
            "security",
            "follow-up-on-exceptionexc-zq2id1zq",
            "follow-up-on-restricted",
        ),
    ] {
        let site = book.build(reader, &["--audience", reader]);
        let page = String::from_utf8(site["public/index.html"].clone()).unwrap();
        for (id, text) in [(hidden, "the follow-up"), (visible, "this heading")] {
            assert!(
                page.contains(&format!("<h2 id=\"{id}\"")),
                "{reader}: {page}"
            );
            let link = format!("<a href=\"#{id}\">{text}</a>");
            assert!(page.contains(&link), "{reader}: {link} missing in:\n{page}");
        }
    }
}

/// An audience that handbook.yaml does not define is a mistake on the command line: exit
/// status 2, with the closest name.
#[test]
fn an_unknown_audience_on_the_command_line_exits_2_with_the_closest_name() {
    let book = BookTest::from_fixture(FIXTURE);
    for args in [
        &["build", ".", "--audience", "staf"][..],
        &["report", ".", "--audience", "staf"],
        &["export", "tracker", ".", "--audience", "staf"],
        &["notify", ".", "--dry-run", "--audience", "staf"],
        &["serve", ".", "--port", "0", "--audience", "staf"],
    ] {
        let out = book.run(args);
        assert_code(&out, 2);
        assert!(
            stderr(&out).contains("unknown audience `staf`: did you mean `staff`?"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let plain = BookTest::from_fixture("valid/basic");
    let out = plain.run(&["build", ".", "--audience", "staff"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("handbook.yaml defines no `audiences`"),
        "{}",
        stderr(&out)
    );
}

/// `check` reads the whole handbook whatever `default_audience` says: the findings of
/// hidden records are its, and a build for an audience fails on them as `check` does.
#[test]
fn check_reads_the_whole_handbook() {
    let book = BookTest::from_fixture(FIXTURE);
    let out = book.run(&["check", ".", "--format", "json"]);
    assert_code(&out, 0);
    let findings = String::from_utf8(out.stdout).unwrap();
    assert!(
        findings.contains("INC-ZQ3ID1ZQ has been investigating"),
        "{findings}"
    );
    book.replace(
        "handbook.yaml",
        "as_of: 2026-06-30\n",
        "as_of: 2026-06-30\nlints: { incident.stale-open: deny }\n",
    );
    let out = book.run(&["build", ".", "--audience", "readers"]);
    assert_code(&out, 1);
    assert!(stderr(&out).contains("INC-ZQ3ID1ZQ has been investigating"));
}

/// The metrics of an audience are those of the handbook without what it may not read:
/// the example handbook's staff site against a copy with its confidential and restricted
/// records and pages deleted, which name only each other.
#[test]
fn the_metrics_of_an_audience_are_those_of_the_handbook_without_what_it_may_not_read() {
    let book = BookTest::empty();
    common::copy_example(&book.dir);
    let metrics = |book: &BookTest, out: &str, audience: &str| {
        book.build(out, &["--audience", audience])["api/metrics.json"].clone()
    };
    let staff = metrics(&book, "staff", "staff");
    let security = metrics(&book, "security", "security");
    assert_ne!(staff, security, "the example hides no record from staff");
    let hidden: Vec<String> = files_below(&book.dir)
        .into_iter()
        .filter(|(path, text)| {
            let text = String::from_utf8_lossy(text);
            (path.starts_with("data/") || path.starts_with("content/"))
                && (text.contains("\nclassification: confidential\n")
                    || text.contains("\nclassification: restricted\n"))
        })
        .map(|(path, _)| path)
        .collect();
    assert_eq!(hidden.len(), 5, "{hidden:?}");
    for path in &hidden {
        book.remove(path);
    }
    let without = metrics(&book, "without", "staff");
    assert_eq!(
        String::from_utf8(staff).unwrap(),
        String::from_utf8(without).unwrap()
    );
}

// ---------------------------------------------------------------------------------------
// Records classified at random

/// A record of the property test.
#[derive(Debug, Clone)]
struct Random {
    incident: bool,
    /// A rank of [`RANDOM_LEVELS`], or none for the default.
    level: Option<usize>,
    state: usize,
    month: u32,
    day: u32,
    /// The other records it names, in its `related` lists and its summary.
    names: Vec<usize>,
}

const RANDOM_LEVELS: [&str; 3] = ["low", "mid", "high"];

const RANDOM_CONFIG: &str = "title: Random\nas_of: 2026-06-30\n\
    classification: { levels: [low, mid, high], default: mid }\n\
    audiences:\n  a0: { max: low }\n  a1: { max: mid, redact: [assets, risk_owner] }\n  \
    a2: { max: high, redact: [summary] }\n";

fn random_record() -> impl Strategy<Value = Random> {
    (
        any::<bool>(),
        prop::option::of(0..3usize),
        0..4usize,
        1..6u32,
        1..27u32,
        prop::collection::vec(0..8usize, 0..4),
    )
        .prop_map(|(incident, level, state, month, day, names)| Random {
            incident,
            level,
            state,
            month,
            day,
            names,
        })
}

impl Random {
    fn rank(&self) -> usize {
        self.level.unwrap_or(1)
    }

    fn id(&self, i: usize) -> String {
        let kind = if self.incident { "INC" } else { "EXC" };
        format!("{kind}-ZQ{}ID{i}ZQ", self.rank())
    }

    /// The record's file, naming only the records `kept` holds.
    fn yaml(&self, i: usize, records: &[Random], kept: &dyn Fn(usize) -> bool) -> String {
        let l = self.rank();
        let (m, d) = (self.month, self.day);
        let named: Vec<usize> = self
            .names
            .iter()
            .copied()
            .filter(|&j| j < records.len() && j != i && kept(j))
            .collect();
        let links: String = named
            .iter()
            .map(|&j| {
                let kind = if records[j].incident {
                    "incident"
                } else {
                    "exception"
                };
                format!(" [link {j}]({kind}:{})", records[j].id(j))
            })
            .collect();
        let list = |incidents: bool| {
            let ids: Vec<String> = named
                .iter()
                .filter(|&&j| records[j].incident == incidents)
                .map(|&j| records[j].id(j))
                .collect();
            ids.join(", ")
        };
        let mut yaml = format!(
            "id: {}\ntitle: Zq{l}title{i}zq\nsummary: \"Zq{l}summary{i}zq{links}\"\n\
             tickets: [ZQ{l}TICKETS{i}ZQ]\n\
             related: {{ exceptions: [{}], incidents: [{}] }}\n",
            self.id(i),
            list(false),
            list(true),
        );
        if let Some(level) = self.level {
            yaml.push_str(&format!("classification: {}\n", RANDOM_LEVELS[level]));
        }
        if self.incident {
            let status = ["investigating", "mitigated", "resolved", "closed"][self.state];
            yaml.push_str(&format!(
                "severity: sev{}\nstatus: {status}\ncommander: \"Zq{l}commander{i}zq\"\n\
                 source: Zq{l}source{i}zq\nreported: 2026-0{m}-{d:02}T10:00:00Z\n\
                 effort_hours: {}\n\
                 action_items:\n  - {{ title: Zq{l}actionitems{i}zq, owner: Zq{l}actionitems{}zq, \
                 priority: P1, status: planned, due: 2026-0{m}-{d:02} }}\n",
                1 + self.state,
                i + 1,
                i + 100,
            ));
            if self.state >= 2 {
                yaml.push_str(&format!("resolved: 2026-0{m}-{:02}T12:00:00Z\n", d + 1));
            }
            if self.state == 3 {
                yaml.push_str(&format!("closed: 2026-0{m}-{:02}T13:00:00Z\n", d + 1));
            }
        } else {
            let status = ["pending", "approved", "denied", "closed"][self.state];
            let kind = if self.state.is_multiple_of(2) {
                "acceptance"
            } else {
                "extension"
            };
            yaml.push_str(&format!(
                "type: {kind}\nseverity: {}\nstatus: {status}\n\
                 requested_by: Zq{l}requestedby{i}zq\nrisk_owner: \"Zq{l}riskowner{i}zq <zq{l}riskowner{}zq@example.com>\"\n\
                 created: 2026-0{m}-{d:02}\njustification: Zq{l}justification{i}zq\n\
                 assets: [zq{l}assets{i}zq]\nremediation_plan: Zq{l}remediationplan{i}zq\n",
                ["critical", "high", "medium", "low"][self.state],
                i + 100,
            ));
            match self.state {
                1 => yaml.push_str(&format!(
                    "decided: 2026-0{m}-{:02}\nexpires: 2026-{:02}-{d:02}\n",
                    d + 1,
                    m + 3
                )),
                2 => yaml.push_str(&format!("decided: 2026-0{m}-{:02}\n", d + 1)),
                3 => yaml.push_str(&format!("closed: 2026-0{m}-{:02}\n", d + 1)),
                _ => {}
            }
        }
        yaml
    }
}

/// The handbook of `records`, those `kept` holds only, with a home page that links to
/// each and a page of a random level.
fn random_handbook(
    config: &str,
    records: &[Random],
    page_level: Option<usize>,
    kept: &dyn Fn(usize) -> bool,
    page_kept: bool,
) -> harness::Handbook {
    let mut book = harness::Handbook {
        config: config.to_string(),
        pages: Vec::new(),
        exceptions: Vec::new(),
        incidents: Vec::new(),
        people: None,
    };
    let mut home = String::from("---\ntitle: Home\nclassification: low\n---\n");
    for (i, r) in records.iter().enumerate().filter(|(i, _)| kept(*i)) {
        let kind = if r.incident { "incident" } else { "exception" };
        home.push_str(&format!("See [record {i}]({kind}:{}).\n", r.id(i)));
        let file = (format!("{}.yaml", r.id(i)), r.yaml(i, records, kept));
        if r.incident {
            book.incidents.push(file);
        } else {
            book.exceptions.push(file);
        }
    }
    let l = page_level.unwrap_or(1);
    if page_kept {
        home.push_str(&format!("And [a page](zq{l}pagefile1zq.md).\n"));
        let level = page_level.map_or(String::new(), |p| {
            format!("classification: {}\n", RANDOM_LEVELS[p])
        });
        book.pages.push((
            format!("zq{l}pagefile1zq.md"),
            format!("---\ntitle: Zq{l}pagetitle1zq\n{level}---\n# Zq{l}pageheading1zq\n\nZq{l}pagebody1zq.\n"),
        ));
    }
    book.pages.push(("_index.md".into(), home));
    book
}

fn random_config() -> ProptestConfig {
    ProptestConfig {
        cases: 12,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(random_config())]

    /// Records and a page classified at random, linking to each other at random: no
    /// audience's site holds a canary it may not see, and its metrics are those of the
    /// handbook built without what it may not read.
    #[test]
    fn records_classified_at_random_leak_nothing_and_count_only_what_is_seen(
        records in prop::collection::vec(random_record(), 1..8),
        page_level in prop::option::of(0..3usize),
    ) {
        let all = |_: usize| true;
        let whole = random_handbook(RANDOM_CONFIG, &records, page_level, &all, true);
        let mut canaries = BTreeMap::new();
        for (name, text) in whole.exceptions.iter().chain(&whole.incidents).chain(&whole.pages) {
            canaries_in(name, &mut canaries);
            canaries_in(text, &mut canaries);
        }
        for reader in readers(RANDOM_CONFIG) {
            let files = harness::build_for(&whole, Some(&reader.name))
                .map_err(|d| TestCaseError::fail(format!("{d:#?}")))?;
            let site = common::files_of(files);
            let problems = leaks(&site, &canaries, &reader);
            prop_assert!(problems.is_empty(), "{}: {}", reader.name, problems.join("\n"));

            let seen = |i: usize| records[i].rank() <= reader.max;
            let page_seen = page_level.unwrap_or(1) <= reader.max;
            let without = random_handbook(RANDOM_CONFIG, &records, page_level, &seen, page_seen);
            let files = harness::build_for(&without, Some(&reader.name))
                .map_err(|d| TestCaseError::fail(format!("{d:#?}")))?;
            let alone = common::files_of(files);
            prop_assert_eq!(
                String::from_utf8_lossy(&site["api/metrics.json"]),
                String::from_utf8_lossy(&alone["api/metrics.json"]),
                "{}", reader.name
            );
        }
    }
}

/// An owner of more rows than a page holds, seen by an audience: their pages list what
/// it may read, in as many pages as that takes; an owner whom only hidden records name
/// has no page at all.
#[test]
fn the_pages_of_an_owner_hold_only_what_the_audience_may_see() {
    let book = BookTest::empty();
    book.write(
        "handbook.yaml",
        "title: Owners\nas_of: 2026-06-30\nclassification:\n  levels: [internal, secret]\n  \
         default: internal\naudiences:\n  staff: { max: internal }\n",
    );
    book.write("content/_index.md", "---\ntitle: Home\n---\nOwners.\n");
    let exception = |i: usize, title: &str, owner: &str, level: &str| {
        book.write(
            &format!("data/exceptions/EXC-{i:03}.yaml"),
            &format!(
                "id: EXC-{i:03}\ntitle: {title} {i}\ntype: acceptance\nseverity: low\n\
                 status: pending\nclassification: {level}\nrequested_by: \"Req <req@example.com>\"\n\
                 risk_owner: \"{owner}\"\ncreated: 2026-05-01\nsummary: S.\njustification: J.\n"
            ),
        );
    };
    // Ann owns 150 exceptions staff may read and 150 it may not; Hid only the latter.
    for i in 0..450 {
        match i % 3 {
            0 => exception(i, "Open", "Ann Lee <ann@example.com>", "internal"),
            1 => exception(i, "Covert", "Ann Lee <ann@example.com>", "secret"),
            _ => exception(i, "Covert", "Hid Den <hid@example.com>", "secret"),
        }
    }
    let row = scraper::Selector::parse("article.record-owner tbody tr td:first-child").unwrap();
    let ids = |site: &Files, owner: &str| -> Vec<Vec<String>> {
        let first = format!("owners/{owner}/index.html");
        crate::scale::ordering(site, &first, &format!("owners/{owner}/page/"))
            .iter()
            .map(|path| {
                let page = scraper::Html::parse_document(std::str::from_utf8(&site[path]).unwrap());
                page.select(&row).map(|td| td.text().collect()).collect()
            })
            .collect()
    };
    let whole = book.build("whole", &[]);
    assert_eq!(ids(&whole, "ann@example.com").len(), 3);
    assert_eq!(ids(&whole, "hid@example.com").len(), 2);
    let staff = book.build("staff", &["--audience", "staff"]);
    let ann = ids(&staff, "ann@example.com");
    assert_eq!(ann.len(), 2, "{ann:?}");
    let seen: Vec<String> = ann.concat();
    let open: Vec<String> = (0..450).step_by(3).map(|i| format!("EXC-{i:03}")).collect();
    assert_eq!(seen, open);
    for (path, bytes) in &staff {
        assert!(!path.contains("hid@example.com"), "{path}");
        let text = String::from_utf8_lossy(bytes);
        for hidden in ["Covert", "Hid Den", "hid@example.com"] {
            assert!(!text.contains(hidden), "{path} holds {hidden}");
        }
    }
}

/// An owner's page is theirs in every audience's site: its address is theirs, however
/// close another's is (a dot for a dash) and whoever else the audience sees. It was spelt
/// with dashes, the two owners took one address in turn, and a link from the staff site
/// opened the other's page in the whole one.
#[test]
fn an_owners_page_is_theirs_in_every_audience() {
    let book = BookTest::empty();
    book.write(
        "handbook.yaml",
        "title: Owners\nas_of: 2026-06-30\nclassification:\n  levels: [internal, secret]\n  \
         default: internal\naudiences:\n  staff: { max: internal }\n",
    );
    book.write("content/_index.md", "---\ntitle: Home\n---\nOwners.\n");
    for (id, owner, level) in [
        ("EXC-001", "Ann Dot <ann.lee@example.org>", "internal"),
        ("EXC-002", "Ann Dash <ann-lee@example.org>", "secret"),
    ] {
        book.write(
            &format!("data/exceptions/{id}.yaml"),
            &format!(
                "id: {id}\ntitle: Of {owner}\ntype: acceptance\nseverity: low\nstatus: pending\n\
                 classification: {level}\nrequested_by: \"{owner}\"\nrisk_owner: \"{owner}\"\n\
                 created: 2026-05-01\nsummary: S.\njustification: J.\n"
            ),
        );
    }
    let whole = book.build("whole", &[]);
    let staff = book.build("staff", &["--audience", "staff"]);
    let owner = |site: &Files, slug: &str| {
        let page = &site[&format!("owners/{slug}/index.html")];
        let text = String::from_utf8_lossy(page);
        ["Ann Dot", "Ann Dash"]
            .into_iter()
            .filter(|n| text.contains(n))
            .collect::<Vec<_>>()
    };
    for site in [&whole, &staff] {
        assert_eq!(owner(site, "ann.lee@example.org"), ["Ann Dot"]);
    }
    assert_eq!(owner(&whole, "ann-lee@example.org"), ["Ann Dash"]);
    assert!(!staff.keys().any(|p| p.contains("ann-lee")));
}

/// A page or file reached through a symbolic link is as classified as the place it leads
/// to: a link made while a page or section was open to everyone does not publish it once
/// it is restricted (a page link, a folder link below a restricted section, a file beside
/// its pages). A link into data/, whose records are published only on their own pages, is
/// an error, from content/ and from static/ alike.
#[test]
fn a_symbolic_link_does_not_publish_what_it_leads_to_past_its_classification() {
    use std::os::unix::fs::symlink;
    let book = BookTest::empty();
    book.write(
        "handbook.yaml",
        "title: Linked\nas_of: 2026-06-30\nclassification:\n  levels: [internal, restricted]\n  \
         default: internal\naudiences:\n  staff: {max: internal}\n  security: {max: restricted}\n\
         default_audience: staff\n",
    )
    .write("content/_index.md", "---\ntitle: Home\n---\nHome.\n")
    .write(
        "content/guide/_index.md",
        "---\ntitle: Guide\n---\nGuide.\n",
    )
    .write(
        "content/ir/_index.md",
        "---\ntitle: IR\nclassification: restricted\n---\nIR.\n",
    )
    .write(
        "content/ir/breach.md",
        "---\ntitle: Breach\n---\nzqbreachzq\n",
    )
    .write(
        "content/ir/sub/deep.md",
        "---\ntitle: Deep\n---\nzqdeepzq\n",
    )
    .write("content/ir/sub/evidence.txt", "zqevidencezq\n")
    .write(
        "content/guide/links.md",
        "---\ntitle: Links\n---\n[h](handover.md) [d](sub/deep.md) [e](evidence.txt)\n",
    );
    let link = |to: &str, at: &str| symlink(to, book.dir.join(at)).unwrap();
    link("../ir/breach.md", "content/guide/handover.md");
    link("../ir/sub", "content/guide/sub");
    link("../ir/sub/evidence.txt", "content/guide/evidence.txt");

    let staff = book.build("staff", &[]);
    let shown: Vec<&String> = (staff.iter())
        .filter(|(_, bytes)| String::from_utf8_lossy(bytes).contains("zq"))
        .map(|(path, _)| path)
        .collect();
    assert!(
        shown.is_empty(),
        "restricted text in the staff site: {shown:?}"
    );
    assert!(staff.contains_key("guide/links/index.html"));
    let security = book.build("security", &["--audience", "security"]);
    for path in [
        "guide/handover/index.html",
        "guide/sub/deep/index.html",
        "guide/evidence.txt",
    ] {
        assert!(
            security.contains_key(path),
            "{path} in {:?}",
            security.keys()
        );
    }
    let check = stderr(&book.run(&["check"]));
    for link in ["handover.md", "sub/deep.md"] {
        assert!(
            check.contains(&format!("warning[page.restricted-link]: links to page `guide/{link}`, classified `restricted`")),
            "{link}: {check}"
        );
    }

    book.write("data/exceptions/EXC-9.yaml", "id: EXC-9\n")
        .write("static/robots.txt", "");
    link(
        "../../data/exceptions/EXC-9.yaml",
        "content/guide/exception.txt",
    );
    link("../data/exceptions", "static/records");
    link("../content/ir/breach.md", "static/breach.md");
    let out = book.run(&["check"]);
    assert_code(&out, 1);
    let report = stderr(&out);
    for (shown, folder) in [
        ("content/guide/exception.txt", "data"),
        ("static/records", "data"),
        ("static/breach.md", "content"),
    ] {
        assert!(
            report.contains(&format!(
                "error: {shown} is a symbolic link into {folder}/; it is not followed\n"
            )),
            "{shown}: {report}"
        );
    }
}
