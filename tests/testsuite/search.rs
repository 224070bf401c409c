//! The search page: its index holds every page and record, and the page's own script finds
//! a record by its id (run under Node with a minimal DOM; the browser test covers the rest).

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::common;

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn build_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "handbook.yaml", "title: Search\nas_of: 2026-06-30\n");
    write(
        root,
        "content/_index.md",
        "---\ntitle: Home\n---\n## Phishing drills\nWe run drills.\n",
    );
    write(
        root,
        "data/exceptions/EXC-042.yaml",
        "id: EXC-042\ntitle: Legacy TLS on the partner gateway\ntype: acceptance\nseverity: low\nstatus: pending\n\
         requested_by: Ann\nrisk_owner: \"Bo Chen <bo@example.com>\"\ncreated: 2026-01-01\ntickets: [SEC-777]\n\
         summary: The gateway still speaks TLS 1.0.\njustification: A partner needs time.\n",
    );
    let out = common::command()
        .args(["build", ".", "-o", "out"])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("search index"),
        "the build reports the index size: {stderr}"
    );
    dir
}

#[test]
fn the_index_holds_pages_and_records() {
    let dir = build_fixture();
    let index = fs::read_to_string(dir.path().join("out/search/index.js")).unwrap();
    let json = index
        .strip_prefix("window.SECBOOK_SEARCH = ")
        .and_then(|s| s.trim_end().strip_suffix(';'))
        .expect("a script that sets a global, so it loads from file://");
    let docs: serde_json::Value = serde_json::from_str(json).unwrap();
    let exception = docs
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "exception")
        .unwrap();
    assert_eq!(exception["url"], "exceptions/EXC-042/index.html");
    for key in ["EXC-042", "Bo Chen", "bo@example.com", "SEC-777"] {
        assert!(
            exception["keys"].as_str().unwrap().contains(key),
            "{key} in {exception}"
        );
    }
    let home = docs
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "page")
        .unwrap();
    assert_eq!(home["headings"], "Phishing drills");

    let page = fs::read_to_string(dir.path().join("out/search/index.html")).unwrap();
    for script in ["../vendor/minisearch.js", "index.js", "../search.js"] {
        assert!(
            page.contains(&format!("<script src=\"{script}\"></script>")),
            "{script}"
        );
        let path = dir.path().join("out/search").join(script);
        assert!(path.exists(), "{} is written", path.display());
    }
}

/// Runs the page's scripts in Node with just the DOM they touch, searching for `query`.
const HARNESS: &str = r#"
const fs = require("fs"), vm = require("vm");
const [out, query] = process.argv.slice(1);
function node() { return { textContent: "", children: [], className: "", href: "",
  appendChild(c) { this.children.push(c); }, addEventListener() {} }; }
const els = { "search-input": node(), "search-results": node(), "search-status": node() };
const window = { location: { search: "?q=" + encodeURIComponent(query) } };
const context = vm.createContext({ window, URLSearchParams,
  document: { getElementById: (id) => els[id] || null, createElement: node,
    createTextNode: (t) => ({ textContent: t }) } });
window.window = window;
context.self = window;
context.globalThis = context;
for (const file of ["vendor/minisearch.js", "search/index.js", "search.js"]) {
  vm.runInContext(fs.readFileSync(out + "/" + file, "utf8"), context, { filename: file });
  if (context.MiniSearch) window.MiniSearch = context.MiniSearch;
}
const results = els["search-results"].children.map((li) => li.children[0].href + " " + li.children[0].textContent);
console.log(JSON.stringify({ status: els["search-status"].textContent, results }));
"#;

#[test]
fn the_page_finds_a_record_by_its_id() {
    let dir = build_fixture();
    let node = Command::new("node").arg("--version").output();
    if node.is_err() {
        eprintln!("node is not installed: the browser test covers search instead");
        return;
    }
    let run = |query: &str| {
        let out = Command::new("node")
            .args(["-e", HARNESS, "--"])
            .arg(dir.path().join("out"))
            .arg(query)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let found = run("EXC-042");
    assert_eq!(
        found["results"][0],
        "../exceptions/EXC-042/index.html EXC-042: Legacy TLS on the partner gateway"
    );
    assert_eq!(
        run("SEC-777")["results"][0],
        found["results"][0],
        "tickets find the record"
    );
    assert_eq!(
        run("drills")["results"][0],
        "../index.html Home",
        "text finds pages"
    );
    assert_eq!(
        run("zzzzqqq")["status"],
        "No results for \u{201c}zzzzqqq\u{201d}."
    );
}
