//! The search page: its index holds every page and record in full, the example handbook's
//! index stays small, and the page's own script puts a record named by its id first, finds
//! words from the end of a long page and quotes them, marked and escaped (run under Node with
//! a minimal DOM; the browser test covers the rest).

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::common;

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn exception(id: &str, title: &str, summary: &str) -> String {
    format!(
        "id: {id}\ntitle: {title}\ntype: acceptance\nseverity: low\nstatus: pending\n\
         requested_by: Ann\nrisk_owner: \"Bo Chen <bo@example.com>\"\ncreated: 2026-01-01\n\
         tickets: [SEC-{}]\nsummary: {summary:?}\njustification: A partner needs time.\n",
        &id[4..]
    )
}

/// A paragraph of filler words, none of which the tests search for.
const FILLER: &str = "The team reviews the gateway settings every quarter and writes down what it \
                      changed, who approved it and when the next review is due. ";

fn build_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "handbook.yaml", "title: Search\nas_of: 2026-06-30\n");
    write(
        root,
        "content/_index.md",
        "---\ntitle: Home\n---\n## Phishing drills\nWe run drills.\n",
    );
    // The word to find comes after 4,000 characters of text, in the last paragraph.
    write(
        root,
        "content/long.md",
        &format!(
            "---\ntitle: Long Runbook\n---\n{}\n\n## Last steps\n\nArchive the channel and thank the \
             quartermaster.\n",
            FILLER.repeat(30)
        ),
    );
    write(
        root,
        "data/exceptions/EXC-042.yaml",
        &exception(
            "EXC-042",
            "Legacy TLS on the partner gateway",
            "The gateway still speaks TLS 1.0.",
        ),
    );
    // Neighbours of EXC-042 by one character, which a fuzzy search would also find.
    for id in ["EXC-041", "EXC-043", "EXC-142"] {
        write(
            root,
            &format!("data/exceptions/{id}.yaml"),
            &exception(id, "Another gateway", "Nothing to do with the other one."),
        );
    }
    write(
        root,
        "data/exceptions/EXC-050.yaml",
        &exception(
            "EXC-050",
            "Hostile text",
            "An <img src=x onerror=alert(1)> waits in the summary of EXC-042's neighbour.",
        ),
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
    dir
}

/// The documents of a built site's index, each row an object of the named fields (a row
/// leaves out the empty fields at its end).
fn index_docs(out: &Path) -> Vec<serde_json::Value> {
    let index = fs::read_to_string(out.join("search/index.js")).unwrap();
    let json = index
        .strip_prefix("window.SECBOOK_SEARCH = ")
        .and_then(|s| s.trim_end().strip_suffix(';'))
        .expect("a script that sets a global, so it loads from file://");
    let index: serde_json::Value = serde_json::from_str(json).unwrap();
    let fields = index["fields"].as_array().unwrap();
    index["docs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let row = row.as_array().unwrap();
            assert!(
                row.len() <= fields.len() && row.last() != Some(&"".into()),
                "{row:?}"
            );
            let doc = fields
                .iter()
                .zip(row)
                .map(|(f, v)| (f.as_str().unwrap().to_string(), v.clone()));
            serde_json::Value::Object(doc.collect())
        })
        .collect()
}

#[test]
fn the_index_holds_pages_and_records_in_full() {
    let dir = build_fixture();
    let docs = index_docs(&dir.path().join("out"));
    let exception = docs.iter().find(|d| d["ref"] == "EXC-042").unwrap();
    assert_eq!(exception["kind"], "exception");
    assert_eq!(exception["url"], "exceptions/EXC-042/index.html");
    for key in ["EXC-042", "Bo Chen", "bo@example.com", "SEC-042"] {
        assert!(
            exception["keys"].as_str().unwrap().contains(key),
            "{key} in {exception}"
        );
    }
    let home = docs.iter().find(|d| d["title"] == "Home").unwrap();
    assert_eq!(home["headings"], "Phishing drills");
    assert_eq!(home.get("ref"), None, "a page is no record");

    let long = docs.iter().find(|d| d["title"] == "Long Runbook").unwrap();
    let text = long["text"].as_str().unwrap();
    assert!(text.len() > 4_000, "{} characters", text.len());
    assert!(
        text.ends_with("Last steps Archive the channel and thank the quartermaster."),
        "the whole text, its lines joined: {text}"
    );

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

/// The example handbook's index holds every word of its pages, stays far below the size at
/// which the search page loads slowly, and the build says how large it is.
#[test]
fn the_example_handbook_index_is_small_and_reported() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let run = common::command()
        .args(["build", ".", "-o"])
        .arg(&out)
        .current_dir(root)
        .output()
        .unwrap();
    common::assert_code(&run, 0);
    let size = fs::metadata(out.join("search/index.js")).unwrap().len();
    assert!(size < 2_000_000, "the index is {size} bytes");
    let stderr = common::stderr(&run);
    let reported = format!("search index {} KB", size.div_ceil(1024));
    assert!(stderr.contains(&reported), "{reported} in {stderr}");
    let docs = index_docs(&out);
    let runbook = docs
        .iter()
        .find(|d| d["url"] == "incident-response/runbook/index.html")
        .unwrap();
    let text = runbook["text"].as_str().unwrap();
    let source = fs::read_to_string(root.join("content/incident-response/runbook.md")).unwrap();
    let last = source.trim_end().lines().last().unwrap();
    assert!(
        text.ends_with(last.trim()),
        "the runbook's last line, {last:?}, is indexed"
    );
}

/// Runs the page's scripts in Node with just the DOM they touch, searching for `query`.
/// Prints each result as its link, its title, and its snippet with marks in brackets and
/// the names of the snippet's nodes.
const HARNESS: &str = r##"
const fs = require("fs"), vm = require("vm");
const [out, query] = process.argv.slice(1);
function node(tag) { return { tag, textContent: "", children: [], className: "", href: "",
  appendChild(c) { this.children.push(c); }, addEventListener() {} }; }
const els = { "search-input": node(), "search-results": node(), "search-status": node() };
const window = { location: { search: "?q=" + encodeURIComponent(query) } };
const context = vm.createContext({ window, URLSearchParams,
  document: { getElementById: (id) => els[id] || null, createElement: node,
    createTextNode: (t) => ({ tag: "#text", textContent: t }) } });
window.window = window;
context.self = window;
context.globalThis = context;
for (const file of ["vendor/minisearch.js", "search/index.js", "search.js"]) {
  vm.runInContext(fs.readFileSync(out + "/" + file, "utf8"), context, { filename: file });
  if (context.MiniSearch) window.MiniSearch = context.MiniSearch;
}
const results = els["search-results"].children.map((li) => {
  const snippet = li.children.find((c) => c.className === "search-snippet") || { children: [] };
  return {
    link: li.children[0].href + " " + li.children[0].textContent,
    snippet: snippet.children.map((c) => c.tag === "mark" ? "[" + c.textContent + "]" : c.textContent).join(""),
    nodes: [...new Set(snippet.children.map((c) => c.tag))].sort().join(" "),
  };
});
console.log(JSON.stringify({ status: els["search-status"].textContent, results }));
"##;

#[test]
fn the_page_ranks_ids_first_and_quotes_what_it_found() {
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
    let links = |found: &serde_json::Value| -> Vec<String> {
        found["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["link"].as_str().unwrap().to_string())
            .collect()
    };

    // The record the id names comes first; after it only what says the id, and none of
    // the records whose ids differ by a character.
    let found = run("EXC-042");
    assert_eq!(
        links(&found),
        [
            "../exceptions/EXC-042/index.html EXC-042: Legacy TLS on the partner gateway",
            "../exceptions/EXC-050/index.html EXC-050: Hostile text",
        ]
    );
    assert_eq!(
        links(&run("exc-042 "))[0],
        links(&found)[0],
        "case and spaces aside"
    );
    assert_eq!(
        links(&run("SEC-042"))[0],
        links(&found)[0],
        "tickets find the record"
    );
    assert_eq!(
        links(&run("drills"))[0],
        "../index.html Home",
        "text finds pages"
    );

    // A word from the end of a long page finds it, quoted around the word and marked.
    let found = run("quartermaster");
    assert_eq!(links(&found), ["../long/index.html Long Runbook"]);
    let snippet = found["results"][0]["snippet"].as_str().unwrap();
    assert!(
        snippet.starts_with("\u{2026} ") && snippet.ends_with("thank the [quartermaster]."),
        "{snippet}"
    );
    assert!(snippet.len() < 300, "a snippet, not the page: {snippet}");

    // Words being typed find by their beginning, misspelt ones by their closest spelling,
    // when nothing has them exactly.
    assert_eq!(links(&run("quarterm")), ["../long/index.html Long Runbook"]);
    assert_eq!(
        links(&run("quartermastr")),
        ["../long/index.html Long Runbook"]
    );

    // A record's text is quoted as text, never read as markup.
    let found = run("img");
    let hostile = &found["results"][0];
    assert_eq!(hostile["nodes"], "#text mark", "{hostile}");
    assert_eq!(
        hostile["snippet"],
        "An <[img] src=x onerror=alert(1)> waits in the summary of EXC-042's neighbour. A partner needs time."
    );

    assert_eq!(
        run("zzzzqqq")["status"],
        "No results for \u{201c}zzzzqqq\u{201d}."
    );
}
