//! The register pages (SPEC 8): the built `secbook` binary run on the handbook in
//! tests/fixtures/valid/records/, whose records cover every exception state, as of
//! 2026-06-30. Its warnings (the findings its status page lists), its status page and an
//! exception's page are compared with its expected files, and the links of all its pages
//! checked, with every valid fixture's (e2e.rs).

use std::sync::OnceLock;

use crate::common::{BookTest, Files};

const FIXTURE: &str = "valid/records";

/// Every page of the registers that the fixture must produce.
const PAGES: &[&str] = &[
    "exceptions/index.html",
    "exceptions/by-expiry/index.html",
    "exceptions/by-severity/index.html",
    "exceptions/by-state/index.html",
    "exceptions/by-owner/index.html",
    "exceptions/EXC-001/index.html",
    "exceptions/EXC-002/index.html",
    "exceptions/EXC-003/index.html",
    "exceptions/EXC-004/index.html",
    "exceptions/EXC-005/index.html",
    "exceptions/EXC-006/index.html",
    "exceptions/EXC-007/index.html",
    "exceptions/EXC-008/index.html",
    "incidents/index.html",
    "incidents/by-reported/index.html",
    "incidents/by-severity/index.html",
    "incidents/by-status/index.html",
    "incidents/by-commander/index.html",
    "incidents/INC-001/index.html",
    "incidents/INC-002/index.html",
    "incidents/INC-003/index.html",
    "incidents/INC-004/index.html",
    "action-items/index.html",
    "owners/index.html",
    "owners/ann@example.com/index.html",
    "owners/mo@example.com/index.html",
    "owners/dee@example.com/index.html",
    "owners/unassigned/index.html",
    "owners/stef@example.com/index.html",
    "status/index.html",
    "audit/index.html",
    "registry.js",
];

/// The fixture, built once for every test of this file.
fn site() -> &'static Files {
    static SITE: OnceLock<Files> = OnceLock::new();
    SITE.get_or_init(build)
}

fn build() -> Files {
    BookTest::from_fixture(FIXTURE).build("public", &[])
}

#[track_caller]
fn page(path: &str) -> &'static str {
    let bytes = site()
        .get(path)
        .unwrap_or_else(|| panic!("no {path} in the site"));
    std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The rows of the registry table: each row's value of `data-<attr>` with the text of
/// its first link.
fn registry_rows(html: &str, attr: &str) -> Vec<(String, String)> {
    let table = &html[html
        .find("<table class=\"registry ")
        .expect("a registry table")..];
    let table = &table[..table.find("</table>").unwrap()];
    let needle = format!("data-{attr}=\"");
    table
        .split("<tr")
        .filter_map(|row| {
            let v = &row[row.find(&needle)? + needle.len()..];
            let value = v[..v.find('"')?].to_string();
            let link = &row[row.find("<a href=")?..];
            let text = &link[link.find('>')? + 1..];
            Some((text[..text.find('<')?].to_string(), value))
        })
        .collect()
}

fn ids(html: &str) -> Vec<String> {
    registry_rows(html, "severity")
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// The opening tags of an HTML text: `<` followed by a letter, up to the next `>`.
fn tags(html: &str) -> impl Iterator<Item = &str> {
    html.match_indices('<').filter_map(move |(i, _)| {
        let rest = &html[i + 1..];
        rest.chars()
            .next()
            .filter(char::is_ascii_alphabetic)
            .and_then(|_| rest.find('>').map(|end| &rest[..end]))
    })
}

#[test]
fn every_register_page_is_written() {
    let missing: Vec<&&str> = PAGES.iter().filter(|p| !site().contains_key(**p)).collect();
    assert!(missing.is_empty(), "missing pages: {missing:?}");
}

#[test]
fn states_follow_the_as_of_date() {
    let rows = registry_rows(page("exceptions/index.html"), "state");
    let expected = [
        ("EXC-001", "expired"),
        ("EXC-002", "expiring"),
        ("EXC-003", "active"),
        ("EXC-004", "pending"),
        ("EXC-005", "denied"),
        ("EXC-006", "closed"),
        ("EXC-007", "closed"),
        ("EXC-008", "active"),
    ];
    let rows: Vec<(&str, &str)> = rows.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(rows, expected);
    for (id, state) in expected {
        let html = page(&format!("exceptions/{id}/index.html"));
        assert!(
            html.contains(&format!(
                "<span class=\"badge state-{state}\">{state}</span>"
            )),
            "{id} should show the badge {state}"
        );
    }
    let e1 = page("exceptions/EXC-001/index.html");
    assert!(e1.contains("Expired 20 days ago, on 2026-06-10."), "{e1}");
    let e2 = page("exceptions/EXC-002/index.html");
    assert!(e2.contains("(in 15 days)"), "{e2}");
    let counts = page("exceptions/index.html");
    for (n, state) in [(2, "active"), (2, "closed"), (1, "expired")] {
        assert!(
            counts.contains(&format!(
                "<span class=\"count-n\">{n}</span> <span class=\"count-label\">{state}</span>"
            )),
            "count of {state}"
        );
    }
}

#[test]
fn record_text_is_escaped_everywhere() {
    let e4 = page("exceptions/EXC-004/index.html");
    assert!(e4.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{e4}");
    assert!(e4.contains("&lt;img src=x onerror=alert(1)&gt;"), "{e4}");
    assert!(e4.contains("&lt;b&gt;demo&lt;/b&gt;"), "{e4}");
    for path in site().keys().filter(|p| p.ends_with(".html")) {
        let html = page(path);
        assert!(!html.contains("<script>alert"), "{path} runs the payload");
        for tag in tags(html) {
            let lower = tag.to_ascii_lowercase();
            assert!(!lower.contains("onerror"), "{path}: <{tag}>");
            assert!(!lower.contains("javascript:"), "{path}: <{tag}>");
        }
    }
}

#[test]
fn register_pages_have_no_inline_script_or_handlers() {
    for path in PAGES.iter().filter(|p| p.ends_with(".html")) {
        let html = page(path);
        for tag in tags(html) {
            let name = tag.split_whitespace().next().unwrap_or("");
            if name.eq_ignore_ascii_case("script") {
                assert!(tag.contains(" src=\""), "{path}: inline <{tag}>");
            }
            let handler = tag.split_whitespace().skip(1).any(|attr| {
                attr.len() > 2
                    && attr[..2].eq_ignore_ascii_case("on")
                    && attr.contains('=')
                    && attr[2..attr.find('=').unwrap()]
                        .chars()
                        .all(|c| c.is_ascii_alphabetic())
            });
            assert!(!handler, "{path}: event handler in <{tag}>");
        }
        assert!(!html.contains("<script>"), "{path} has an inline script");
    }
    let js = page("registry.js");
    assert!(js.contains("table[data-registry]"));
    assert!(
        page("exceptions/index.html").contains("<script src=\"../registry.js\" defer></script>")
    );
}

#[test]
fn the_registry_is_in_id_order_and_each_ordering_has_a_page() {
    let all = [
        "EXC-001", "EXC-002", "EXC-003", "EXC-004", "EXC-005", "EXC-006", "EXC-007", "EXC-008",
    ];
    assert_eq!(ids(page("exceptions/index.html")), all);
    assert_eq!(
        ids(page("exceptions/by-expiry/index.html")),
        [
            "EXC-007", "EXC-001", "EXC-002", "EXC-003", "EXC-008", "EXC-004", "EXC-005", "EXC-006"
        ]
    );
    assert_eq!(
        ids(page("exceptions/by-state/index.html")),
        [
            "EXC-001", "EXC-002", "EXC-004", "EXC-003", "EXC-008", "EXC-005", "EXC-007", "EXC-006"
        ]
    );
    let registry = page("exceptions/index.html");
    for view in ["by-expiry", "by-severity", "by-state", "by-owner"] {
        assert!(
            registry.contains(&format!("href=\"../exceptions/{view}/index.html\"")),
            "no link to {view}"
        );
    }
    assert!(
        registry.contains("aria-sort=\"ascending\">ID</th>"),
        "{registry}"
    );
    assert_eq!(
        ids(page("incidents/index.html")),
        ["INC-001", "INC-002", "INC-003", "INC-004"]
    );
    assert_eq!(
        ids(page("incidents/by-reported/index.html")),
        ["INC-003", "INC-001", "INC-002", "INC-004"]
    );
}

#[test]
fn a_content_section_at_the_registry_is_shown_on_it() {
    let registry = page("exceptions/index.html");
    assert!(
        registry.contains("<h1>Security Exceptions</h1>"),
        "{registry}"
    );
    assert!(registry.contains("This section text is shown on the registry page"));
    assert!(registry.contains("href=\"../exceptions/process/index.html\""));
    assert!(page("exceptions/process/index.html").contains("The Exception Process"));
}

/// Every page names the language the handbook sets (`language: pt-BR`), which a screen
/// reader reads its words in; it said English whatever the handbook was written in.
#[test]
fn every_page_is_in_the_handbooks_language() {
    let book = BookTest::from_fixture(FIXTURE);
    let config = book.read("handbook.yaml");
    book.write("handbook.yaml", &format!("language: pt-BR\n{config}"));
    let site = book.build("public", &[]);
    let pages: Vec<&String> = site.keys().filter(|p| p.ends_with(".html")).collect();
    assert!(pages.len() > 20);
    for path in pages {
        let html = std::str::from_utf8(&site[path]).unwrap();
        assert!(
            html.starts_with("<!doctype html>\n<html lang=\"pt-BR\">"),
            "{path}"
        );
    }
}

/// A page written to a register's folder is shown there as a section's index is, its title
/// the register's, and a page beside that section's index is refused rather than lost.
#[test]
fn a_content_page_at_a_register_is_shown_on_it_and_never_lost() {
    let book = BookTest::from_fixture(FIXTURE);
    book.write(
        "content/status.md",
        "---\ntitle: Program Status Notes\n---\nRead this status page with the weekly notes.\n",
    );
    let site = book.build("public", &[]);
    let status = std::str::from_utf8(&site["status/index.html"]).unwrap();
    assert!(status.contains("Read this status page with the weekly notes."));
    // Its title is the register's, as a section's index gives it.
    assert!(
        status.contains("<h1>Program Status Notes</h1>")
            && status.contains("<title>Program Status Notes · "),
        "{status}"
    );

    book.write(
        "content/exceptions.md",
        "---\ntitle: Beside the Section\n---\nThis text has nowhere to go.\n",
    );
    let out = book.run(&["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "content/exceptions.md and content/exceptions/_index.md collide: both are \
             written to `exceptions/index.html`"
        ),
        "{stderr}"
    );
}

/// The audit report's table of approvals lists every approval, and says so when there is
/// none rather than print a table of headers alone.
#[test]
fn the_audit_lists_the_approvals_or_says_there_are_none() {
    let audit = page("audit/index.html");
    assert!(audit.contains("<table class=\"audit-approvals\">"));
    assert!(!audit.contains("No exception records an approval."));

    let book = BookTest::empty();
    book.write("handbook.yaml", "title: T\n").write(
        "data/exceptions/EXC-001.yaml",
        "id: EXC-001\ntitle: A risk\ntype: acceptance\nseverity: low\nstatus: pending\n\
         requested_by: Ann Lee\nrisk_owner: Bo Chen\ncreated: 2026-06-01\nsummary: A risk.\n\
         justification: Needed.\n",
    );
    let site = book.build("public", &["--as-of", "2026-06-02"]);
    let audit = std::str::from_utf8(&site["audit/index.html"]).unwrap();
    assert!(
        audit.contains("No exception records an approval."),
        "{audit}"
    );
    assert!(!audit.contains("audit-approvals"));
}

#[test]
fn action_items_are_overdue_first_then_by_due_date() {
    let html = page("action-items/index.html");
    let titles = [
        "Require review for storage policy changes",
        "Brief finance staff on payment phishing",
        "Image the disk of the lab machine",
        "Add a report button to the mail client",
        "Review the mail filter rules yearly",
    ];
    let positions: Vec<usize> = titles
        .iter()
        .map(|t| html.find(t).unwrap_or_else(|| panic!("{t} missing")))
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "out of order: {positions:?}"
    );
    assert!(
        !html.contains("Block the look-alike domains"),
        "done items are left out"
    );
    assert_eq!(html.matches("<tr class=\"overdue\">").count(), 3);
}

#[test]
fn the_status_page_lists_every_finding_by_code() {
    let html = page("status/index.html");
    let groups = [
        ("exception.expired", "../exceptions/EXC-001/index.html"),
        (
            "exception.owner-missing",
            "../exceptions/EXC-008/index.html",
        ),
        (
            "exception.owner-departed",
            "../exceptions/EXC-004/index.html",
        ),
        (
            "exception.approval-missing",
            "../exceptions/EXC-008/index.html",
        ),
        (
            "exception.approval-insufficient",
            "../exceptions/EXC-008/index.html",
        ),
        (
            "exception.term-exceeds-policy",
            "../exceptions/EXC-008/index.html",
        ),
        (
            "incident.postmortem-missing",
            "../incidents/INC-002/index.html",
        ),
        (
            "incident.action-item-overdue",
            "../incidents/INC-003/index.html",
        ),
        ("incident.stale-open", "../incidents/INC-004/index.html"),
        ("page.review-overdue", "../runbook/index.html"),
    ];
    let mut last = 0;
    for (code, link) in groups {
        let anchor = format!("<h3 id=\"code-{}\">", code.replace('.', "-"));
        let start = html
            .find(&anchor)
            .unwrap_or_else(|| panic!("no group for {code}"));
        assert!(start > last, "{code} is out of order");
        last = start;
        let group = &html[start..];
        let group = &group[..group.find("</section>").unwrap()];
        assert!(
            group.contains(&format!("href=\"{link}\"")),
            "{code}: {group}"
        );
    }
    assert!(!html.contains("id=\"code-exception-severity-raised\""));
    assert!(html.contains("href=\"../exceptions/by-state/index.html#state-expired\""));
}

#[test]
fn pages_list_the_records_that_reference_them() {
    let runbook = page("runbook/index.html");
    assert!(
        runbook.contains("Records that reference this page"),
        "{runbook}"
    );
    assert!(runbook.contains("href=\"../exceptions/EXC-001/index.html\""));
    assert!(runbook.contains("href=\"../incidents/INC-002/index.html\""));
    let postmortem = page("postmortems/inc-001/index.html");
    assert!(postmortem.contains("href=\"../../incidents/INC-001/index.html\""));
    assert!(!page("exceptions/process/index.html").contains("Records that reference"));
}

#[test]
fn exception_pages_check_approvals_against_the_policy() {
    let e8 = page("exceptions/EXC-008/index.html");
    assert!(e8.contains("<span class=\"result result-insufficient\">insufficient</span>"));
    assert!(e8.contains("<span class=\"result result-missing\">missing</span>"));
    assert!(e8.contains("295 days"), "{e8}");
    let e1 = page("exceptions/EXC-001/index.html");
    assert_eq!(e1.matches("result result-met\">met").count(), 2, "{e1}");
    assert!(e1.contains("(from the last renewal)"));
    assert!(e1.contains("href=\"../../incidents/INC-002/index.html\""));
    assert!(e1.contains("href=\"../../runbook/index.html\""));
    assert!(e1.contains("<code>exception.expired</code>"));
}

#[test]
fn incident_pages_show_the_timeline_in_order_and_the_postmortem() {
    let html = page("incidents/INC-001/index.html");
    let a = html.find("First email delivered.").unwrap();
    let b = html.find("Reported to Security.").unwrap();
    let c = html.find("Triage starts.").unwrap();
    assert!(a < b && b < c, "timeline out of order");
    // The four durations in one unit, the one that suits them: hours here.
    let durations = &html[html.find("class=\"durations\"").unwrap()..];
    let durations = &durations[..durations.find("</table>").unwrap()];
    let cells: Vec<&str> = durations
        .split("<td class=\"num\">")
        .skip(1)
        .map(|c| &c[..c.find("</td>").unwrap()])
        .collect();
    assert_eq!(cells, ["0.5 h", "4.0 h", "24.0 h", "2.0 h"], "{durations}");
    assert!(html.contains("href=\"../../postmortems/inc-001/index.html\""));
    assert!(html.contains("No report button."));
    let inc2 = page("incidents/INC-002/index.html");
    assert!(inc2.contains("incident.postmortem-missing"));
    assert!(inc2.contains("href=\"../../exceptions/EXC-001/index.html\""));
}

#[test]
fn owner_pages_show_what_needs_action() {
    let ann = page("owners/ann@example.com/index.html");
    let needs =
        &ann[ann.find("id=\"needs-action\"").unwrap()..ann.find("id=\"exceptions\"").unwrap()];
    assert!(needs.contains("EXC-001"), "expired: {needs}");
    assert!(needs.contains("Require review for storage policy changes"));
    assert!(!needs.contains("EXC-003"), "active is not an action");
    let stef = page("owners/stef@example.com/index.html");
    assert!(stef.contains("Action item owner"), "{stef}");
    assert!(page("owners/index.html").contains("href=\"../owners/unassigned/index.html\""));
}

/// Dee Parted left on 2026-01-15 and owns the pending EXC-004; her manager in people.yaml
/// is Ann Owner, to whom `report` sends her items.
#[test]
fn a_departed_owners_items_need_a_new_owner_from_their_manager() {
    let dee = page("owners/dee@example.com/index.html");
    let needs =
        &dee[dee.find("id=\"needs-action\"").unwrap()..dee.find("id=\"exceptions\"").unwrap()];
    assert!(needs.contains("Needs a new owner"), "{needs}");
    assert!(!needs.contains("Nothing needs your action"), "{needs}");
    assert!(needs.contains("EXC-004"), "{needs}");
    assert!(
        needs.contains("<a href=\"../../owners/ann@example.com/index.html\">Ann Owner</a>"),
        "the manager who decides: {needs}"
    );
    let ann = page("owners/ann@example.com/index.html");
    let needs =
        &ann[ann.find("id=\"needs-action\"").unwrap()..ann.find("id=\"exceptions\"").unwrap()];
    assert!(needs.contains("Dee Parted</a>, who left on"), "{needs}");
    assert!(needs.contains("EXC-004"), "{needs}");

    // The owners table counts it for both, and says who reassigns it.
    let table = page("owners/index.html");
    let row = |slug: &str| {
        let at = table.find(&format!("owners/{slug}/index.html\"")).unwrap();
        let row = &table[at..];
        row[..row.find("</tr>").unwrap()].to_string()
    };
    let dee_row = row("dee@example.com");
    assert!(dee_row.contains("to reassign"), "{dee_row}");
    assert!(
        dee_row.ends_with("<td class=\"num\"><strong>1</strong></td>\n"),
        "{dee_row}"
    );

    // The same rule as `report`: the item is in Ann's part, forwarded from Dee.
    let out = crate::common::command()
        .arg("report")
        .arg(crate::common::fixture(FIXTURE))
        .args(["--format", "json", "--owner", "ann@example.com"])
        .output()
        .unwrap();
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(report.contains("\"EXC-004\""), "{report}");
    assert!(report.contains("\"reason\": \"departed\""), "{report}");
}

#[test]
fn builds_are_reproducible() {
    let again = build();
    for path in PAGES {
        assert_eq!(site().get(*path), again.get(*path), "{path} differs");
    }
}

/// A heading in a record's Markdown is a part of the field's section: the field's highest
/// heading in a description shown under its `<h2>` is an `<h3>`, in the postmortem's
/// notes, under their `<h3>`, an `<h4>`, and no level is skipped. The page keeps one
/// `<h1>`, its title, and an outline a screen reader walks.
#[test]
fn headings_in_a_record_field_go_below_its_section() {
    let book = BookTest::from_fixture(FIXTURE);
    book.replace(
        "data/incidents/INC-001.yaml",
        "description: |\n  Mail logs showed **40** recipients.",
        "description: |\n  # Background\n  Mail logs showed **40** recipients.\n  ## Options\n  \
         Few.\n  #### Skipped\n  One below.\n  # Again\n  Top.",
    )
    .replace(
        "data/incidents/INC-001.yaml",
        "  notes: Blameless; the gap was tooling.",
        "  notes: |\n    ### Timeline\n    Blameless; the gap was tooling.",
    );
    let files = book.build("public", &[]);
    let html = String::from_utf8(files["incidents/INC-001/index.html"].clone()).unwrap();
    let headings: Vec<&str> = tags(&html)
        .filter(|t| t.starts_with('h') && t.as_bytes().get(1).is_some_and(u8::is_ascii_digit))
        .collect();
    assert_eq!(headings.iter().filter(|h| h.starts_with("h1")).count(), 1);
    for written in [
        r#"h3 id="description-background""#,
        r#"h4 id="description-options""#,
        r#"h5 id="description-skipped""#,
        r#"h3 id="description-again""#,
        r#"h4 id="postmortem-notes-timeline""#,
    ] {
        assert!(headings.contains(&written), "{written} in {headings:?}");
    }
}
