//! A large register (issue 18): no page holds thousands of rows, and what a build writes
//! grows with the records, not faster. Sizes and structure only: the times are the
//! benchmark's (benches/bench.py).

use std::collections::BTreeMap;

use scraper::{Html, Selector};

use crate::common::{BookTest, Files, broken_links, resolve};

/// The most rows a registry page holds (render/records/registry.rs).
const PAGE_ROWS: usize = 100;

const OWNERS: [&str; 5] = [
    "Ann Lee <ann@example.com>",
    "Bo Chen <bo@example.com>",
    "Cy Diaz <cy@example.com>",
    "Di Evans <di@example.com>",
    "Ed Fox <ed@example.com>",
];

/// A handbook of `exceptions` and `incidents` records of every state, severity and owner,
/// as of 2026-06-30.
pub fn register(exceptions: usize, incidents: usize) -> BookTest {
    let book = BookTest::empty();
    book.write(
        "handbook.yaml",
        "title: Large Register\nid: 6f1d8a52-96c3-4bd4-9a26-0a3c2e7f1b40\nas_of: 2026-06-30\n",
    );
    book.write(
        "content/_index.md",
        "---\ntitle: Home\n---\nA large register.\n",
    );
    let severities = ["critical", "high", "medium", "low"];
    for i in 0..exceptions {
        let status = ["pending", "approved", "approved", "denied", "closed"][i % 5];
        let day = 1 + i % 28;
        let mut text = format!(
            "id: EXC-{i:05}\ntitle: Exception {i}\ntype: acceptance\nseverity: {}\nstatus: {status}\n\
             requested_by: \"Req Uester <req@example.com>\"\nrisk_owner: \"{}\"\ncreated: 2026-01-{day:02}\n\
             summary: Record {i}.\njustification: Needed.\n",
            severities[i % 4],
            OWNERS[i % OWNERS.len()],
        );
        match status {
            "approved" => text.push_str(&format!(
                "decided: 2026-02-{day:02}\nexpires: 2026-{:02}-{day:02}\napprovals:\n  - {{name: Ann Lee, email: ann@example.com, role: approver, side: business, level: vp, decision: approved, date: 2026-02-{day:02}}}\n  - {{name: Bo Chen, email: bo@example.com, role: approver, side: security, level: vp, decision: approved, date: 2026-02-{day:02}}}\n",
                3 + i % 8
            )),
            "denied" => text.push_str(&format!("decided: 2026-02-{day:02}\n")),
            "closed" => text.push_str(&format!("closed: 2026-03-{day:02}\n")),
            _ => {}
        }
        book.write(&format!("data/exceptions/EXC-{i:05}.yaml"), &text);
    }
    for i in 0..incidents {
        let status = ["investigating", "resolved", "closed", "closed"][i % 4];
        let day = 1 + i % 28;
        let mut text = format!(
            "id: INC-{i:05}\ntitle: Incident {i}\nseverity: sev{}\nstatus: {status}\n\
             commander: \"{}\"\nsource: monitoring\nreported: 2026-{:02}-{day:02}T09:00:00+00:00\n\
             summary: Incident {i}.\naction_items:\n  - {{title: Follow up {i}, owner: \"{}\", priority: P2, status: planned, due: 2026-0{}-{day:02}}}\n",
            3 + i % 2,
            OWNERS[i % OWNERS.len()],
            1 + i % 6,
            OWNERS[(i + 1) % OWNERS.len()],
            5 + i % 4,
        );
        if status != "investigating" {
            text.push_str(&format!(
                "resolved: 2026-{:02}-{day:02}T18:00:00+00:00\n",
                1 + i % 6
            ));
        }
        if status == "closed" {
            text.push_str(&format!(
                "closed: 2026-{:02}-{day:02}T20:00:00+00:00\n",
                1 + i % 6
            ));
        }
        book.write(&format!("data/incidents/INC-{i:05}.yaml"), &text);
    }
    book
}

fn html(site: &Files, path: &str) -> Html {
    let bytes = site
        .get(path)
        .unwrap_or_else(|| panic!("the build wrote no {path}"));
    Html::parse_document(std::str::from_utf8(bytes).unwrap())
}

/// The rows of a registry page: each row's id and its value of `attr`.
fn rows(page: &Html, attr: &str) -> Vec<(String, String)> {
    let tr = Selector::parse("table[data-registry] tbody tr").unwrap();
    let td = Selector::parse("td").unwrap();
    page.select(&tr)
        .map(|row| {
            let id = row.select(&td).next().unwrap().text().collect::<String>();
            let value = row.value().attr(attr).unwrap_or_default().to_string();
            (id.trim().to_string(), value)
        })
        .collect()
}

/// The pages of one ordering, in order: its first page, then `<folder>N/index.html`.
pub(crate) fn ordering(site: &Files, first: &str, folder: &str) -> Vec<String> {
    let mut pages = vec![first.to_string()];
    for n in 2.. {
        let path = format!("{folder}{n}/index.html");
        if !site.contains_key(&path) {
            break;
        }
        pages.push(path);
    }
    pages
}

#[test]
fn registries_are_paged_and_every_ordering_holds_each_row_once() {
    let (exceptions, incidents) = (430, 240);
    let book = register(exceptions, incidents);
    let site = book.build("out", &[]);
    let cases = [
        ("exceptions/", "exceptions/page/", "", exceptions),
        (
            "exceptions/by-expiry/",
            "exceptions/by-expiry/",
            "",
            exceptions,
        ),
        (
            "exceptions/by-owner/",
            "exceptions/by-owner/",
            "",
            exceptions,
        ),
        (
            "exceptions/by-state/",
            "exceptions/by-state/",
            "data-state",
            exceptions,
        ),
        (
            "exceptions/by-severity/",
            "exceptions/by-severity/",
            "data-severity",
            exceptions,
        ),
        ("incidents/", "incidents/page/", "", incidents),
        (
            "incidents/by-status/",
            "incidents/by-status/",
            "data-status",
            incidents,
        ),
        (
            "incidents/by-severity/",
            "incidents/by-severity/",
            "data-severity",
            incidents,
        ),
        (
            "incidents/by-reported/",
            "incidents/by-reported/",
            "",
            incidents,
        ),
        (
            "incidents/by-commander/",
            "incidents/by-commander/",
            "",
            incidents,
        ),
    ];
    for (first, folder, group, total) in cases {
        let pages = ordering(&site, &format!("{first}index.html"), folder);
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for path in &pages {
            let shown = rows(
                &html(&site, path),
                if group.is_empty() { "class" } else { group },
            );
            assert!(
                !shown.is_empty() && shown.len() <= PAGE_ROWS,
                "{path} holds {} rows",
                shown.len()
            );
            if !group.is_empty() {
                let values: Vec<&str> = shown.iter().map(|(_, v)| v.as_str()).collect();
                assert!(
                    values.iter().all(|v| *v == values[0]),
                    "{path} mixes groups: {values:?}"
                );
            }
            for (id, _) in shown {
                *seen.entry(id).or_default() += 1;
            }
        }
        assert!(
            pages.len() >= total.div_ceil(PAGE_ROWS),
            "{first}: {pages:?}"
        );
        assert_eq!(seen.len(), total, "{first} misses rows");
        assert!(seen.values().all(|n| *n == 1), "{first} repeats rows");
    }
    // The open action items, one an incident, are served in pages as the registries are.
    let item = Selector::parse("table.action-items tbody tr").unwrap();
    let mut items = 0;
    for path in ordering(&site, "action-items/index.html", "action-items/page/") {
        let rows = html(&site, &path).select(&item).count();
        assert!(
            rows > 0 && rows <= PAGE_ROWS,
            "{path} lists {rows} action items"
        );
        items += rows;
    }
    assert_eq!(items, incidents);
    // JavaScript sorts and filters the whole register from one script of every row.
    for (register, total) in [("exceptions", exceptions), ("incidents", incidents)] {
        let script = String::from_utf8(site[&format!("{register}/rows.js")].clone()).unwrap();
        let json = script
            .strip_prefix("window.SECBOOK_REGISTRY = ")
            .and_then(|s| s.trim_end().strip_suffix(';'))
            .unwrap();
        let data: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(data["rows"].as_array().unwrap().len(), total);
    }
    let broken = broken_links(&site);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn a_register_that_fits_one_page_keeps_one() {
    let site = register(PAGE_ROWS, 3).build("out", &[]);
    assert_eq!(
        rows(&html(&site, "exceptions/index.html"), "class").len(),
        PAGE_ROWS
    );
    let paged: Vec<&String> = site
        .keys()
        .filter(|p| p.ends_with("rows.js") || p.contains("/page/") || p.contains("/2/"))
        .collect();
    assert!(paged.is_empty(), "{paged:?}");
}

/// The ids of the records a page of the audit report lists.
fn audit_records(page: &Html) -> Vec<String> {
    let heading = Selector::parse("section.audit-record h3 a").unwrap();
    page.select(&heading)
        .map(|a| a.text().collect::<String>())
        .collect()
}

#[test]
fn the_audit_report_of_a_large_register_is_a_summary_and_printable_parts() {
    let (exceptions, incidents) = (430, 240);
    let site = register(exceptions, incidents).build("out", &[]);
    let summary = html(&site, "audit/index.html");
    assert!(
        audit_records(&summary).is_empty(),
        "the summary lists records"
    );
    let part_links = Selector::parse("table.audit-parts a").unwrap();
    let parts: Vec<String> = summary
        .select(&part_links)
        .map(|a| a.value().attr("href").unwrap().replace("../", ""))
        .collect();
    let mut listed: BTreeMap<String, usize> = BTreeMap::new();
    let finding = Selector::parse("section.finding-group tbody tr").unwrap();
    let mut findings = 0;
    for path in &parts {
        let page = html(&site, path);
        let records = audit_records(&page);
        assert!(
            records.len() <= 400,
            "{path} lists {} records",
            records.len()
        );
        let rows = page.select(&finding).count();
        assert!(rows <= 1000, "{path} lists {rows} findings");
        assert!(!records.is_empty() || rows > 0, "{path} is empty");
        findings += rows;
        for id in records {
            *listed.entry(id).or_default() += 1;
        }
    }
    assert_eq!(
        listed.len(),
        exceptions + incidents,
        "a record is in no part"
    );
    assert!(listed.values().all(|n| *n == 1), "a record is in two parts");
    let findings_json: serde_json::Value =
        serde_json::from_slice(&site["api/findings.json"]).unwrap();
    assert_eq!(findings, findings_json.as_array().unwrap().len());
    // Every part is in the summary, which the link checker also follows.
    let written = site
        .keys()
        .filter(|p| p.starts_with("audit/") && p.as_str() != "audit/index.html")
        .count();
    assert_eq!(written, parts.len());
}

/// A handbook of `sections` sections of `pages` pages each, and no records.
fn pages_handbook(sections: usize, pages: usize) -> BookTest {
    let book = BookTest::empty();
    book.write("handbook.yaml", "title: Many Pages\nas_of: 2026-06-30\n");
    book.write("content/_index.md", "---\ntitle: Home\n---\nMany pages.\n");
    for s in 0..sections {
        book.write(
            &format!("content/s{s:02}/_index.md"),
            &format!("---\ntitle: Section {s}\nweight: {s}\n---\nSection {s}.\n"),
        );
        for p in 0..pages {
            book.write(
                &format!("content/s{s:02}/p{p:02}.md"),
                &format!("---\ntitle: Page {p} of section {s}\nweight: {p}\n---\nText.\n"),
            );
        }
    }
    book
}

/// The sidebar of a page of a large handbook holds the pages around it and a link to the
/// rest, at each level: its weight does not grow with the handbook.
#[test]
fn the_sidebar_of_a_large_handbook_stays_bounded() {
    let site = pages_handbook(24, 30).build("out", &[]);
    let entry = Selector::parse("aside.sidebar li").unwrap();
    let more = Selector::parse("aside.sidebar li.more").unwrap();
    for path in [
        "s12/p20/index.html",
        "s00/p00/index.html",
        "s23/p29/index.html",
    ] {
        let page = html(&site, path);
        let entries = page.select(&entry).count();
        // 21 sections and a link to the home listing, 21 pages and a link to the section's.
        assert!(
            entries <= 2 * 22,
            "{path}: {entries} entries in the sidebar"
        );
        assert_eq!(page.select(&more).count(), 2, "{path}");
    }
    let broken = broken_links(&site);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

/// A handbook of `n` pending exceptions that no one owns: a finding each, of one code.
pub fn unowned(n: usize) -> BookTest {
    let book = BookTest::empty();
    book.write("handbook.yaml", "title: Unowned\nas_of: 2026-06-30\n");
    book.write("content/_index.md", "---\ntitle: Home\n---\nUnowned.\n");
    for i in 0..n {
        book.write(
            &format!("data/exceptions/EXC-{i:05}.yaml"),
            &format!(
                "id: EXC-{i:05}\ntitle: Unowned {i}\ntype: acceptance\nseverity: low\nstatus: pending\n\
                 requested_by: \"Req Uester <req@example.com>\"\nrisk_owner: unassigned\n\
                 created: 2026-05-01\nsummary: S.\njustification: J.\n"
            ),
        );
    }
    book
}

/// Thousands of findings: the status page counts them by code and links each code to the
/// audit report's part that lists its findings, rather than list them all itself.
#[test]
fn the_status_page_of_thousands_of_findings_links_the_audit_parts() {
    let n = 1001;
    let site = unowned(n).build("out", &[]);
    let status = html(&site, "status/index.html");
    let finding = Selector::parse("table.findings tbody tr").unwrap();
    assert_eq!(
        status.select(&finding).count(),
        0,
        "the status page lists findings"
    );
    let code = Selector::parse("table.codes a").unwrap();
    let links: Vec<&str> = status
        .select(&code)
        .map(|a| a.value().attr("href").unwrap())
        .collect();
    assert_eq!(
        links,
        ["../audit/findings/exception-owner-missing/index.html"]
    );
    let part = html(&site, "audit/findings/exception-owner-missing/index.html");
    let part2 = html(&site, "audit/findings/exception-owner-missing/2/index.html");
    assert_eq!(
        part.select(&finding).count() + part2.select(&finding).count(),
        n
    );
    let broken = broken_links(&site);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

/// The rows of one page of an owner's, in order: each row's first cell, and whether it is
/// listed under what needs action.
fn owner_rows(page: &Html) -> Vec<(String, bool)> {
    let tr = Selector::parse("article.record-owner table tbody tr").unwrap();
    let td = Selector::parse("td").unwrap();
    let needs = Selector::parse("section[aria-labelledby=needs-action] tbody tr").unwrap();
    let needs: Vec<_> = page.select(&needs).map(|r| r.id()).collect();
    page.select(&tr)
        .map(|row| {
            let first = row.select(&td).next().unwrap().text().collect::<String>();
            (first.trim().to_string(), needs.contains(&row.id()))
        })
        .collect()
}

/// An owner of more rows than a registry page holds gets pages as the registries do:
/// none holds more than a page of rows, each of the owner's exceptions is on exactly one,
/// what needs action comes first, and the pages link each other.
#[test]
fn an_owner_of_more_than_a_page_of_rows_gets_pages_with_what_needs_action_first() {
    // Each owner holds 112 exceptions of one status: Ann's all pending, so what needs her
    // action is itself more than a page; Bo's expired, expiring and active.
    let exceptions = 560;
    let site = register(exceptions, 40).build("out", &[]);
    let next = Selector::parse("nav.registry-pages a[rel=next]").unwrap();
    for (n, owner) in OWNERS.iter().enumerate() {
        let email = owner.split(['<', '>']).nth(1).unwrap();
        let folder = format!("owners/{email}/");
        let pages = ordering(
            &site,
            &format!("{folder}index.html"),
            &format!("{folder}page/"),
        );
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut rows = Vec::new();
        for (p, path) in pages.iter().enumerate() {
            let page = html(&site, path);
            let shown = owner_rows(&page);
            assert!(
                !shown.is_empty() && shown.len() <= PAGE_ROWS,
                "{path} holds {} rows",
                shown.len()
            );
            if p + 1 < pages.len() {
                let href = page.select(&next).next().unwrap().value().attr("href");
                assert_eq!(
                    href.map(|h| resolve(path, h).unwrap()),
                    Some(pages[p + 1].clone())
                );
            }
            for (id, _) in shown.iter().filter(|(id, _)| id.starts_with("EXC-")) {
                *seen.entry(id.clone()).or_default() += 1;
            }
            rows.extend(shown);
        }
        let owned: Vec<String> = (n..exceptions)
            .step_by(OWNERS.len())
            .map(|i| format!("EXC-{i:05}"))
            .collect();
        assert_eq!(seen.keys().cloned().collect::<Vec<_>>(), owned, "{owner}");
        assert!(seen.values().all(|n| *n == 1), "{owner} repeats rows");
        assert!(pages.len() > 1, "{owner}: {pages:?}");
        let first_other = rows.iter().position(|(_, needs)| !needs);
        let last_needed = rows.iter().rposition(|(_, needs)| *needs);
        if let (Some(other), Some(needed)) = (first_other, last_needed) {
            assert!(needed < other, "{owner}: what needs action is not first");
        }
        if n == 0 {
            let needed = rows.iter().filter(|(_, needs)| *needs).count();
            assert!(needed > PAGE_ROWS, "{owner}: {needed} rows need action");
        }
    }
    let broken = broken_links(&site);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

/// More owners than a page holds: owners/ is served in pages, each owner on one.
#[test]
fn the_owners_of_a_large_register_are_listed_in_pages() {
    let book = BookTest::empty();
    book.write("handbook.yaml", "title: Owners\nas_of: 2026-06-30\n");
    book.write("content/_index.md", "---\ntitle: Home\n---\nOwners.\n");
    let n = PAGE_ROWS + 30;
    for i in 0..n {
        book.write(
            &format!("data/exceptions/EXC-{i:05}.yaml"),
            &format!(
                "id: EXC-{i:05}\ntitle: Owned {i}\ntype: acceptance\nseverity: low\nstatus: pending\n\
                 requested_by: \"Req Uester <req@example.com>\"\nrisk_owner: \"Owner {i:03} <o{i:03}@example.com>\"\n\
                 created: 2026-05-01\nsummary: S.\njustification: J.\n"
            ),
        );
    }
    let site = book.build("out", &[]);
    let row = Selector::parse("table.owners tbody tr td a").unwrap();
    let mut seen = Vec::new();
    for path in ordering(&site, "owners/index.html", "owners/page/") {
        let shown: Vec<String> = html(&site, &path)
            .select(&row)
            .map(|a| a.text().collect())
            .collect();
        assert!(
            !shown.is_empty() && shown.len() <= PAGE_ROWS,
            "{path} lists {} owners",
            shown.len()
        );
        seen.extend(shown);
    }
    let all: Vec<String> = (0..n).map(|i| format!("Owner {i:03}")).collect();
    assert_eq!(seen, all);
    let broken = broken_links(&site);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

/// An owner who left with more open rows than a page: every page of theirs says who left
/// and that what they own needs a new owner, and their manager's pages, which list those
/// rows too, hold at most a page each.
#[test]
fn the_pages_of_an_owner_who_left_each_say_so() {
    let book = register(560, 40);
    book.write(
        "data/people.yaml",
        "- name: Ann Lee\n  email: ann@example.com\n  manager: Bo Chen\n  departed: 2026-03-01\n\
         - name: Bo Chen\n  email: bo@example.com\n",
    );
    let site = book.build("out", &[]);
    let ann = ordering(
        &site,
        "owners/ann@example.com/index.html",
        "owners/ann@example.com/page/",
    );
    assert!(ann.len() > 1, "{ann:?}");
    for path in &ann {
        let text = String::from_utf8(site[path].clone()).unwrap();
        assert!(text.contains("<p>Ann Lee left on <time>2026-03-01</time>. Each of their open exceptions needs a new risk owner"), "{path}");
    }
    let bo = ordering(
        &site,
        "owners/bo@example.com/index.html",
        "owners/bo@example.com/page/",
    );
    let mut from_ann = 0;
    for path in &bo {
        let page = html(&site, path);
        let rows = owner_rows(&page);
        assert!(rows.len() <= PAGE_ROWS, "{path} holds {} rows", rows.len());
        from_ann += page
            .select(&Selector::parse("h3[id^=from-]").unwrap())
            .count();
    }
    assert!(
        from_ann > 1,
        "Ann's items to reassign span Bo's pages: {from_ann}"
    );
    let broken = broken_links(&site);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

/// The default theme's row templates with `prefix` before them, in `book`'s own theme.
fn rows_read_root(book: &BookTest, prefix: &str) {
    let templates = concat!(env!("CARGO_MANIFEST_DIR"), "/themes/default/templates/");
    for row in ["exception-row.html", "incident-row.html"] {
        let text = std::fs::read_to_string(format!("{templates}{row}")).unwrap();
        book.write(
            &format!("themes/default/templates/{row}"),
            &format!("{prefix}{text}"),
        );
    }
}

/// The default theme's rows are rendered once and made for each depth by putting the
/// page's root in place of a mark: the registries and rows.js are those of a theme whose
/// rows compare `root`, which has them rendered at each depth, byte for byte.
#[test]
fn rows_made_for_each_depth_from_one_render_are_those_rendered_at_each() {
    let book = register(230, 110);
    let once = book.build("once", &[]);
    rows_read_root(&book, r#"{% if root == "" %}{% endif %}"#);
    let each = book.build("each", &[]);
    let registries = |site: &Files| -> Files {
        site.iter()
            .filter(|(path, _)| path.starts_with("exceptions/") || path.starts_with("incidents/"))
            .map(|(path, bytes)| (path.clone(), bytes.clone()))
            .collect()
    };
    let (once, each) = (registries(&once), registries(&each));
    assert!(once.contains_key("exceptions/by-state/3/index.html"));
    assert!(once.contains_key("exceptions/rows.js"));
    assert_eq!(
        once.keys().collect::<Vec<_>>(),
        each.keys().collect::<Vec<_>>()
    );
    let differ: Vec<&String> = once.keys().filter(|p| once[*p] != each[*p]).collect();
    assert!(differ.is_empty(), "{differ:?}");
}

/// A theme whose row reads `root` otherwise than to print it has each row rendered at the
/// depth of each page that shows it.
#[test]
fn a_row_that_measures_the_root_gets_the_root_of_its_page() {
    let book = register(230, 20);
    rows_read_root(&book, "");
    book.replace(
        "themes/default/templates/exception-row.html",
        "<tr{% if row.anchor %}",
        r#"<tr data-depth="{{ root | length }}"{% if row.anchor %}"#,
    );
    let site = book.build("out", &[]);
    for (path, depth) in [
        ("exceptions/index.html", 1),
        ("exceptions/page/2/index.html", 3),
        ("exceptions/by-state/index.html", 2),
        ("exceptions/by-state/3/index.html", 3),
    ] {
        let page = html(&site, path);
        let rows = Selector::parse("tbody tr").unwrap();
        let depths: Vec<&str> = page
            .select(&rows)
            .filter_map(|row| row.value().attr("data-depth"))
            .collect();
        assert!(!depths.is_empty(), "{path}");
        let want = (3 * depth).to_string();
        assert!(depths.iter().all(|d| *d == want), "{path}: {depths:?}");
    }
}

/// A broken link in each record of a register is each an error, but only the first
/// hundred get a "did you mean", each of which compares the id with every record's: one
/// for each would take the square of the register's size.
#[test]
fn a_register_of_broken_links_tells_each_and_hints_the_first_hundred() {
    let book = register(150, 0);
    for i in 0..150 {
        let file = format!("data/exceptions/EXC-{i:05}.yaml");
        let link = format!("summary: See [it](exception:EXD-{i:05}).");
        book.replace(&file, &format!("summary: Record {i}."), &link);
    }
    let out = book.run(&["check", ".", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let found: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let broken: Vec<&serde_json::Value> = (found.iter())
        .filter(|f| f["message"].as_str().is_some_and(|m| m.contains("`EXD-")))
        .collect();
    assert_eq!(broken.len(), 150);
    let hinted = |f: &serde_json::Value| f["hint"].as_str().is_some_and(|h| h.contains("EXC-"));
    assert_eq!(broken.iter().filter(|f| hinted(f)).count(), 100);
    assert!(
        hinted(broken[0]) && !hinted(broken[149]),
        "{:?}",
        broken[149]
    );
}
