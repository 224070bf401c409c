//! Metrics end to end: the fixture handbook in tests/fixtures/valid/metrics is built with
//! the binary, and api/metrics.json is compared with values worked out by hand from its
//! records; the metrics page shows every chart with its table; charts are byte-identical
//! between builds; and the chart code pulls in no font library.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{self, files_below};
use serde_json::{Value, json};

/// Every chart of the metrics page, by id.
const CHARTS: [&str; 14] = [
    "exceptions-open-by-state",
    "exceptions-open-by-severity",
    "exceptions-by-type-per-month",
    "exceptions-time-to-initial-review",
    "incidents-per-month-by-severity",
    "incidents-high-critical-per-month",
    "incidents-time-to-respond",
    "incidents-time-to-resolve",
    "incidents-time-to-detect",
    "incidents-time-to-contain",
    "incidents-by-source",
    "incidents-effort-hours-per-month",
    "incidents-postmortems",
    "incidents-action-items",
];

fn fixture() -> PathBuf {
    common::fixture("valid/metrics")
}

/// Builds `handbook` into `out` with the binary, and returns every file written.
fn build(handbook: &Path, out: &Path) -> BTreeMap<String, Vec<u8>> {
    let run = common::command()
        .arg("build")
        .arg(handbook)
        .arg("-o")
        .arg(out)
        .output()
        .expect("run secbook");
    assert!(
        run.status.success(),
        "build failed: {}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    files_below(out)
}

fn text(files: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    String::from_utf8(
        files
            .get(path)
            .unwrap_or_else(|| panic!("{path} was not written"))
            .clone(),
    )
    .unwrap()
}

/// Numbers compared by value, so `10` and `10.0` are the same number.
fn normalise(v: &Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64().unwrap()),
        Value::Array(a) => Value::Array(a.iter().map(normalise).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), normalise(v))).collect())
        }
        other => other.clone(),
    }
}

fn d(count: u32, mean: f64, median: f64, p90: f64) -> Value {
    json!({"count": count, "mean": mean, "median": median, "p90": p90})
}

fn none() -> Value {
    json!({"count": 0, "mean": null, "median": null, "p90": null})
}

/// SPEC 9 for the fixture, worked out by hand from its records (as of 2026-06-30,
/// timezone +00:00, 40 open risks). The working is in the comments.
fn expected() -> Value {
    json!({
        "as_of": "2026-06-30",
        "exceptions": {
            "total": 6,
            // EXC-1 expired (expires 03-01), EXC-2 expiring (07-15 is within 30 days),
            // EXC-3 active, EXC-4 pending, EXC-5 denied, EXC-6 withdrawn = closed.
            "open": 4,
            "by_state": {"pending": 1, "active": 1, "expiring": 1, "expired": 1, "denied": 1, "closed": 1},
            // Open: EXC-1 critical, EXC-2 high, EXC-3 medium, EXC-4 low.
            "open_by_severity": {"critical": 1, "high": 1, "medium": 1, "low": 1},
            "expiring": 1,
            "expired": 1,
            // EXC-1 2 days (first review), EXC-2 10 (decided, no first review), EXC-3 1,
            // EXC-4 4, EXC-5 5, EXC-6 none. Sorted 1 2 4 5 10: mean 22/5, median 4,
            // p90 = value 5 of 5 (ceil 4.5).
            "time_to_initial_review_days": d(5, 4.4, 4.0, 10.0),
            // Created: EXC-5 2025-12 ext; EXC-1 2026-01 ext, EXC-2 2026-01 acc;
            // EXC-3 2026-02 ext, EXC-6 2026-02 acc; EXC-4 2026-03 acc; then zeros to the
            // as-of month.
            "by_type_per_month": [
                {"month": "2025-12", "extension": 1, "acceptance": 0},
                {"month": "2026-01", "extension": 1, "acceptance": 1},
                {"month": "2026-02", "extension": 1, "acceptance": 1},
                {"month": "2026-03", "extension": 0, "acceptance": 1},
                {"month": "2026-04", "extension": 0, "acceptance": 0},
                {"month": "2026-05", "extension": 0, "acceptance": 0},
                {"month": "2026-06", "extension": 0, "acceptance": 0},
            ],
            // 4 open / 40 open risks * 100.
            "share_of_open_risks": 10.0,
        },
        "incidents": {
            // INC-4 is not an incident: counted here and nowhere else.
            "total": 6,
            // INC-3 investigating, INC-5 mitigated.
            "open": 2,
            "by_severity": {"sev1": 2, "sev2": 2, "sev3": 1, "sev4": 0},
            // Reported: INC-6 2025-12-01T04:00Z (Nov 30 at -05:00, December at +00:00);
            // INC-1, INC-2 2026-01; INC-5 2026-02 (INC-4 left out); INC-3 2026-03.
            "per_month": [
                {"month": "2025-12", "sev1": 1, "sev2": 0, "sev3": 0, "sev4": 0},
                {"month": "2026-01", "sev1": 1, "sev2": 1, "sev3": 0, "sev4": 0},
                {"month": "2026-02", "sev1": 0, "sev2": 1, "sev3": 0, "sev4": 0},
                {"month": "2026-03", "sev1": 0, "sev2": 0, "sev3": 1, "sev4": 0},
                {"month": "2026-04", "sev1": 0, "sev2": 0, "sev3": 0, "sev4": 0},
                {"month": "2026-05", "sev1": 0, "sev2": 0, "sev3": 0, "sev4": 0},
                {"month": "2026-06", "sev1": 0, "sev2": 0, "sev3": 0, "sev4": 0},
            ],
            "high_critical_per_month": [
                {"month": "2025-12", "count": 1},
                {"month": "2026-01", "count": 2},
                {"month": "2026-02", "count": 1},
                {"month": "2026-03", "count": 0},
                {"month": "2026-04", "count": 0},
                {"month": "2026-05", "count": 0},
                {"month": "2026-06", "count": 0},
            ],
            // INC-1 0.5, INC-2 1, INC-3 2, INC-5 2, INC-6 1: sorted 0.5 1 1 2 2,
            // mean 6.5/5, median 1, p90 = value 5.
            "time_to_respond_hours": d(5, 1.3, 1.0, 2.0),
            // INC-1 24 (detected -> resolved), INC-2 48 and INC-6 24 (reported -> resolved):
            // mean 96/3, median 24, p90 = value 3 (ceil 2.7).
            "time_to_resolve_hours": d(3, 32.0, 24.0, 48.0),
            // INC-1 2, INC-3 4 (started -> detected): mean 3, median 3, p90 = value 2.
            "time_to_detect_hours": d(2, 3.0, 3.0, 4.0),
            // INC-1 6, INC-3 6 (detected -> contained), INC-5 12: mean 8, median 6, p90 12.
            "time_to_contain_hours": d(3, 8.0, 6.0, 12.0),
            "time_to_resolve_by_severity": {
                "sev1": d(2, 24.0, 24.0, 24.0),
                "sev2": d(1, 48.0, 48.0, 48.0),
                "sev3": none(),
                "sev4": none(),
            },
            // INC-4 (employee) left out.
            "by_source": {"customer": 1, "employee": 1, "monitoring": 3},
            // 2025-12 INC-6 8; 2026-01 INC-1 10 + INC-2 4.5; 2026-02 INC-5 none (INC-4's
            // hour left out); 2026-03 INC-3 2.25.
            "effort_hours_per_month": [
                {"month": "2025-12", "hours": 8.0},
                {"month": "2026-01", "hours": 14.5},
                {"month": "2026-02", "hours": 0.0},
                {"month": "2026-03", "hours": 2.25},
                {"month": "2026-04", "hours": 0.0},
                {"month": "2026-05", "hours": 0.0},
                {"month": "2026-06", "hours": 0.0},
            ],
            // sev1/sev2 resolved or closed: INC-1 (has one), INC-2 (missing), INC-6 (has one).
            "postmortems": {"required": 3, "completed": 2},
            // Open: INC-1 planned (due 03-01, overdue), INC-2 in progress (due on the as-of
            // date, so not overdue), INC-3 planned (due 06-29, overdue), INC-3 planned (no
            // due date). Completed: INC-1's
            // first; INC-2's wont_do counts nowhere, nor does INC-4's completed item.
            "action_items": {"open": 4, "overdue": 2, "completed": 1},
        },
    })
}

#[test]
fn metrics_json_matches_the_hand_computed_values() {
    let tmp = tempfile::tempdir().unwrap();
    let files = build(&fixture(), &tmp.path().join("site"));
    let actual: Value = serde_json::from_str(&text(&files, "api/metrics.json")).unwrap();
    let expected = expected();
    if normalise(&actual) != normalise(&expected) {
        panic!(
            "api/metrics.json differs from the hand-computed values\n--- expected ---\n{}\n--- actual ---\n{}",
            serde_json::to_string_pretty(&expected).unwrap(),
            serde_json::to_string_pretty(&actual).unwrap()
        );
    }
}

#[test]
fn metrics_page_shows_every_chart_with_its_table() {
    let tmp = tempfile::tempdir().unwrap();
    let files = build(&fixture(), &tmp.path().join("site"));
    let page = text(&files, "metrics/index.html");
    let figures: Vec<&str> = page
        .split("<figure class=\"chart\" id=\"")
        .skip(1)
        .collect();
    let ids: Vec<&str> = figures
        .iter()
        .map(|f| f.split('"').next().unwrap())
        .collect();
    assert_eq!(ids, CHARTS);
    for (id, figure) in CHARTS.iter().zip(&figures) {
        let figure = figure.split("</figure>").next().unwrap();
        let svg = text(&files, &format!("charts/{id}.svg"));
        assert!(svg.starts_with("<svg role=\"img\""), "{id}: {svg}");
        assert!(figure.contains(&svg), "{id}: the chart is not shown inline");
        assert!(
            figure.contains("<table>") && figure.contains("<tbody>\n<tr>"),
            "{id}: no table"
        );
        assert!(!svg.contains("No data"), "{id} has data in the fixture");
        // Text is left to the reader's generic sans-serif font: no font is named or embedded.
        assert!(svg.contains("font-family=\"sans-serif\""), "{id}");
        assert!(
            !svg.contains("@font-face") && !svg.contains("<image"),
            "{id}"
        );
    }
    // A few of the numbers in the tables beside the charts: durations in one unit per
    // table, each to its unit's decimals (time to respond, in hours: 1.0, not 1).
    assert!(page.contains("<th scope=\"row\">2026-01</th><td>14.5</td>"));
    assert!(page.contains("<caption>Time to respond, in hours</caption>"));
    assert!(
        page.contains("<th scope=\"row\">all</th><td>5</td><td>1.3</td><td>1.0</td><td>2.0</td>")
    );
    assert!(page.contains("<th scope=\"row\">overdue (of open)</th><td>2</td>"));
    assert!(page.contains("href=\"../api/metrics.json\""));

    // The home page summary links each number to the page behind it.
    let home = text(&files, "index.html");
    for (href, value, label) in [
        ("exceptions/index.html", 4, "open exceptions"),
        ("status/index.html", 1, "expired exceptions"),
        ("status/index.html", 1, "expiring exceptions"),
        ("incidents/index.html", 2, "open incidents"),
        ("action-items/index.html", 2, "overdue action items"),
    ] {
        let link = format!(
            "<a href=\"{href}\"><span class=\"summary-value\">{value}</span> <span class=\"summary-label\">{label}</span></a>"
        );
        assert!(home.contains(&link), "home page lacks {link}");
    }
    assert!(home.contains("href=\"metrics/index.html\""));
}

/// The home page's count of overdue action items is the one of the page it links to, which
/// lists the action items of every incident: INC-4's too, though it was not an incident and
/// the metrics leave it out.
#[test]
fn the_home_page_counts_overdue_action_items_as_the_page_it_links_to() {
    let tmp = tempfile::tempdir().unwrap();
    let handbook = tmp.path().join("handbook");
    common::copy_dir(&fixture(), &handbook);
    let inc4 = handbook.join("data/incidents/INC-4.yaml");
    let text_of_inc4 = fs::read_to_string(&inc4).unwrap();
    let overdue = "    priority: P3\n    status: planned\n    due: 2026-06-01\n";
    fs::write(
        &inc4,
        text_of_inc4.replace("    priority: P3\n    status: completed\n", overdue),
    )
    .unwrap();
    let files = build(&handbook, &tmp.path().join("out"));
    let metrics: Value = serde_json::from_slice(&files["api/metrics.json"]).unwrap();
    assert_eq!(metrics["incidents"]["action_items"]["overdue"], 2);
    let home = text(&files, "index.html");
    let summary = "<span class=\"summary-value\">3</span> <span class=\"summary-label\">overdue action items</span>";
    assert!(home.contains(summary), "{home}");
    let items = text(&files, "action-items/index.html");
    assert!(items.contains("Would count if this were an incident"));
    let status = text(&files, "status/index.html");
    assert!(status.contains("<strong>3</strong> overdue"), "{status}");
}

/// The status page counts postmortems as the metrics do: INC-4's, of what was not an
/// incident, is not one of the required completed.
#[test]
fn the_status_page_counts_postmortems_as_the_metrics_do() {
    let tmp = tempfile::tempdir().unwrap();
    let files = build(&fixture(), tmp.path());
    let status = text(&files, "status/index.html");
    for (count, label) in [(3, "required (resolved or closed)"), (2, "completed")] {
        let tally = format!("<li><strong>{count}</strong> {label}</li>");
        assert!(status.contains(&tally), "status page lacks {tally}");
    }
    assert!(status.contains("<strong>1</strong> missing</"));
}

#[test]
fn two_builds_give_identical_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let a = build(&fixture(), &tmp.path().join("a"));
    let b = build(&fixture(), &tmp.path().join("b"));
    let charts = |files: &BTreeMap<String, Vec<u8>>| -> Vec<(String, Vec<u8>)> {
        files
            .iter()
            .filter(|(p, _)| {
                p.starts_with("charts/") || p.starts_with("metrics/") || *p == "api/metrics.json"
            })
            .map(|(p, b)| (p.clone(), b.clone()))
            .collect()
    };
    let (ca, cb) = (charts(&a), charts(&b));
    assert_eq!(ca.len(), CHARTS.len() + 2);
    for ((pa, ba), (pb, bb)) in ca.iter().zip(&cb) {
        assert_eq!(pa, pb);
        assert!(ba == bb, "{pa} differs between two builds");
    }
}

#[test]
fn a_handbook_without_records_gets_charts_that_say_no_data() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("empty");
    fs::create_dir_all(root.join("content")).unwrap();
    fs::write(
        root.join("handbook.yaml"),
        "title: Empty\nas_of: 2026-06-30\n",
    )
    .unwrap();
    fs::write(
        root.join("content/_index.md"),
        "---\ntitle: Empty\n---\nNothing yet.\n",
    )
    .unwrap();
    let files = build(&root, &tmp.path().join("site"));
    for id in CHARTS {
        let svg = text(&files, &format!("charts/{id}.svg"));
        assert!(svg.contains("No data"), "{id} should say no data:\n{svg}");
    }
    let metrics: Value = serde_json::from_str(&text(&files, "api/metrics.json")).unwrap();
    assert_eq!(metrics["exceptions"]["time_to_initial_review_days"], none());
    assert_eq!(metrics["exceptions"]["share_of_open_risks"], Value::Null);
    assert_eq!(metrics["incidents"]["per_month"], json!([]));
}

/// Charts build on a machine without fonts because nothing measures or loads a font:
/// plotters is built without its font features, so no font crate is in the build at all.
#[test]
fn no_font_library_is_linked() {
    let lock =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock")).unwrap();
    let packages: Vec<&str> = lock
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .map(|l| l.trim_end_matches('"'))
        .collect();
    assert!(packages.contains(&"plotters"), "plotters draws the charts");
    for banned in [
        "font-kit",
        "freetype",
        "freetype-sys",
        "servo-fontconfig",
        "servo-fontconfig-sys",
        "yeslogic-fontconfig-sys",
        "ttf-parser",
        "ab_glyph",
        "ab_glyph_rasterizer",
        "rusttype",
        "dwrote",
        "core-text",
    ] {
        assert!(!packages.contains(&banned), "{banned} is in Cargo.lock");
    }
    let manifest =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let plotters = manifest
        .lines()
        .find(|l| l.starts_with("plotters"))
        .expect("plotters in Cargo.toml");
    assert!(plotters.contains("default-features = false"), "{plotters}");
    for feature in ["ttf", "ab_glyph", "fontconfig"] {
        assert!(!plotters.contains(feature), "{plotters}");
    }
}

// ---- Charts over a long span: months grouped so every column stays readable ----

/// A handbook whose records span 26 years and a half (2000-01 to 2026-07, 319 months):
/// an exception every 4 months, two of three extensions, and an incident every 2 months,
/// sev1 to sev4 in turn, with effort hours that are not whole.
fn long_register(root: &Path) {
    fs::create_dir_all(root.join("data/exceptions")).unwrap();
    fs::create_dir_all(root.join("data/incidents")).unwrap();
    fs::write(
        root.join("handbook.yaml"),
        "title: Twenty-six years\nas_of: 2026-06-30\n",
    )
    .unwrap();
    for i in 0..80u32 {
        let (year, month) = (2000 + i * 4 / 12, i * 4 % 12 + 1);
        let kind = if i % 3 == 0 {
            "acceptance"
        } else {
            "extension\nremediation_plan: Fix it."
        };
        fs::write(
            root.join(format!("data/exceptions/EXC-{i:03}.yaml")),
            format!(
                "id: EXC-{i:03}\ntitle: Exception {i}\ntype: {kind}\nseverity: low\nstatus: pending\n\
                 requested_by: Jun Park\nrisk_owner: Jun Park\ncreated: {year}-{month:02}-15\n\
                 summary: S.\njustification: J.\n"
            ),
        )
        .unwrap();
    }
    for i in 0..160u32 {
        let (year, month) = (2000 + i * 2 / 12, i * 2 % 12 + 1);
        let severity = ["sev1", "sev2", "sev3", "sev4"][i as usize % 4];
        fs::write(
            root.join(format!("data/incidents/INC-{i:03}.yaml")),
            format!(
                "id: INC-{i:03}\ntitle: Incident {i}\nseverity: {severity}\nstatus: closed\n\
                 commander: Ivy\nsource: monitoring\nreported: {year}-{month:02}-10T09:00:00Z\n\
                 resolved: {year}-{month:02}-10T14:00:00Z\nclosed: {year}-{month:02}-12T09:00:00Z\n\
                 summary: S.\neffort_hours: {}\n",
                f64::from(i * 337 % 1700) / 100.0
            ),
        )
        .unwrap();
    }
}

/// The rows of the first table beside chart `id` on the metrics page: heading, then cells.
fn table_rows(page: &str, id: &str) -> Vec<Vec<String>> {
    let html = scraper::Html::parse_document(page);
    let table = scraper::Selector::parse(&format!("figure#{id} table")).unwrap();
    let row = scraper::Selector::parse("tbody tr").unwrap();
    let cell = scraper::Selector::parse("th, td").unwrap();
    let table = html
        .select(&table)
        .next()
        .expect("a table beside the chart");
    table
        .select(&row)
        .map(|r| r.select(&cell).map(|c| c.text().collect()).collect())
        .collect()
}

/// The filled rectangles of `svg` in `fill`, as (x, y, width, height), left to right.
fn rects(svg: &str, fill: &str) -> Vec<(f64, f64, f64, f64)> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let num = |n: roxmltree::Node, a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
    let mut out: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some(fill))
        .map(|n| (num(n, "x"), num(n, "y"), num(n, "width"), num(n, "height")))
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// The numbers written in bold in `svg` (each column's total), left to right.
fn totals(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let mut out: Vec<(f64, String)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text") && n.attribute("font-weight") == Some("bold"))
        .filter_map(|n| {
            let text = n.text()?.trim().to_string();
            text.parse::<f64>().ok()?;
            Some((n.attribute("x")?.parse().ok()?, text))
        })
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out.into_iter().map(|(_, t)| t).collect()
}

#[test]
fn charts_over_26_years_group_months_into_years_with_their_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("long");
    long_register(&root);
    let files = build(&root, &tmp.path().join("site"));
    let page = text(&files, "metrics/index.html");

    // api/metrics.json keeps every month (SPEC 9).
    let metrics: Value = serde_json::from_str(&text(&files, "api/metrics.json")).unwrap();
    assert_eq!(
        metrics["incidents"]["per_month"].as_array().unwrap().len(),
        319
    );
    assert_eq!(
        metrics["exceptions"]["by_type_per_month"]
            .as_array()
            .unwrap()
            .len(),
        318
    );

    let years: Vec<String> = (2000..=2026).map(|y| y.to_string()).collect();
    // The tables list the newest period first, the charts draw it last.
    let newest_first: Vec<&String> = years.iter().rev().collect();
    for id in [
        "exceptions-by-type-per-month",
        "incidents-per-month-by-severity",
        "incidents-high-critical-per-month",
        "incidents-effort-hours-per-month",
    ] {
        let rows = table_rows(&page, id);
        let labels: Vec<&String> = rows.iter().map(|r| &r[0]).collect();
        assert_eq!(labels, newest_first, "{id}: a row per year, newest first");
        let figure = page.split(&format!("id=\"{id}\"")).nth(1).unwrap();
        assert!(figure.contains("<th scope=\"col\">Year</th>"), "{id}");
        let svg = text(&files, &format!("charts/{id}.svg"));
        assert!(
            svg.contains("per year"),
            "{id}: the title names the grouping"
        );
        assert!(
            svg.contains(">\n2000\n</text>"),
            "{id}: the axis is labelled by year"
        );
    }

    // One column per year, wide enough to see, in the table's order and proportions.
    for (id, fill) in [
        ("incidents-high-critical-per-month", "#B3261E"),
        ("incidents-effort-hours-per-month", "#009E73"),
    ] {
        let mut rows = table_rows(&page, id);
        rows.reverse();
        let values: Vec<f64> = rows.iter().map(|r| r[1].parse().unwrap()).collect();
        let bars = rects(&text(&files, &format!("charts/{id}.svg")), fill);
        let shown: Vec<(usize, f64)> = values
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, v)| *v > 0.0)
            .collect();
        assert_eq!(
            bars.len(),
            shown.len(),
            "{id}: a column per row with a value"
        );
        assert!(bars.len() <= 36);
        for (x, _, w, _) in &bars {
            assert!(*w >= 10.0, "{id}: a column {w} px wide at x={x}");
        }
        let (first, last) = (shown[0], shown[shown.len() - 1]);
        let centre = |b: &(f64, f64, f64, f64)| b.0 + b.2 / 2.0;
        let slot = (centre(&bars[bars.len() - 1]) - centre(&bars[0])) / (last.0 - first.0) as f64;
        let px_per_unit = bars[0].3 / first.1;
        for (bar, (row, value)) in bars.iter().zip(&shown) {
            let at = centre(&bars[0]) + slot * (*row - first.0) as f64;
            assert!(
                (centre(bar) - at).abs() <= 1.5,
                "{id}: row {row} is not under its column"
            );
            assert!(
                (bar.3 - value * px_per_unit).abs() <= 1.5,
                "{id}: row {row} says {value}, its column is {} px tall",
                bar.3
            );
        }
    }

    // The stacked charts write each column's total: the table's Total column, year by year.
    for (id, total) in [
        ("exceptions-by-type-per-month", 80.0),
        ("incidents-per-month-by-severity", 160.0),
    ] {
        let mut rows = table_rows(&page, id);
        rows.reverse();
        let column: Vec<String> = rows.iter().map(|r| r.last().unwrap().clone()).collect();
        let sum: f64 = column.iter().map(|v| v.parse::<f64>().unwrap()).sum();
        assert_eq!(sum, total, "{id}: every record in one year");
        let written = totals(&text(&files, &format!("charts/{id}.svg")));
        assert_eq!(written, column, "{id}: the totals drawn are the table's");
    }
    // Effort sums months of hours to 2 decimals and is written to 1: each year's cell is
    // its months of api/metrics.json added up and rounded the same way.
    let effort = table_rows(&page, "incidents-effort-hours-per-month");
    for (row, year) in effort.iter().zip(&newest_first) {
        let hours: f64 = metrics["incidents"]["effort_hours_per_month"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["month"].as_str().unwrap().starts_with(year.as_str()))
            .map(|m| m["hours"].as_f64().unwrap())
            .sum();
        let rounded = format!("{:.1}", (hours * 100.0).round() / 100.0);
        assert_eq!(row[1], rounded, "{year}");
    }
}
