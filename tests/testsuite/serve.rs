//! `secbook serve` end to end: pages are served with the reload script, an edit shows up,
//! and a broken edit reports its error without stopping the server; and, through raw
//! requests, what it refuses to answer or send, and how long it waits.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common;

/// Kills the server when the test ends, pass or fail.
pub(crate) struct Server {
    child: Child,
    pub(crate) port: u16,
    /// What the server printed up to the line that names its address.
    said: String,
    /// What it printed after that line, so far.
    heard: Arc<Mutex<String>>,
}

impl Server {
    /// What the server printed after its address once `check` holds of it, waiting at
    /// most ten seconds.
    fn heard_once(&self, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let heard = self.heard.lock().unwrap().clone();
            if check(&heard) || Instant::now() > deadline {
                return heard;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path) -> Server {
    spawn(dir, &[], None)
}

/// Starts `secbook serve` on a free port with `args` added and, if given, at most
/// `max_files` open file descriptors.
pub(crate) fn spawn(dir: &Path, args: &[&str], max_files: Option<u64>) -> Server {
    spawn_from(common::command(), dir, args, max_files)
}

/// [`spawn`], from a `command` a test has set up.
pub(crate) fn spawn_from(
    mut command: std::process::Command,
    dir: &Path,
    args: &[&str],
    max_files: Option<u64>,
) -> Server {
    command
        .args(["serve", "--port", "0"])
        .args(args)
        .current_dir(dir)
        .stderr(Stdio::piped());
    if let Some(max) = max_files {
        let limit = libc::rlimit {
            rlim_cur: max,
            rlim_max: max,
        };
        // SAFETY: setrlimit is async-signal-safe and `limit` is a plain value.
        unsafe {
            command.pre_exec(move || {
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
    }
    let mut child = command.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let mut said = String::new();
    let port = loop {
        let line = lines.next().expect("server exited").unwrap();
        said.push_str(&line);
        said.push('\n');
        if let Some(rest) = line.split("http://").nth(1) {
            let host_port = rest.split('/').next().unwrap();
            break host_port.rsplit(':').next().unwrap().parse().unwrap();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    let heard = Arc::new(Mutex::new(String::new()));
    let keep = Arc::clone(&heard);
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let mut heard = keep.lock().unwrap();
            heard.push_str(&line);
            heard.push('\n');
        }
    });
    Server {
        child,
        port,
        said,
        heard,
    }
}

pub(crate) fn get(port: u16, path: &str) -> (u16, String) {
    let response = get_with(port, path, "");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status_of(&response), body)
}

/// The whole answer to a GET of `path` with the request header lines `headers` (each
/// ending in CRLF).
fn get_with(port: u16, path: &str, headers: &str) -> String {
    raw(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{headers}Connection: close\r\n\r\n"),
    )
}

/// Polls `path` until `check` holds, for at most ten seconds.
pub(crate) fn eventually(port: u16, path: &str, check: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, body) = get(port, path);
        if check(&body) || Instant::now() > deadline {
            return body;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The status answer of the first build after `edit`: asked before the edit is saved, so
/// that a second build the watcher may start for the same save does not answer it.
fn first_build_after(port: u16, edit: impl FnOnce()) -> serde_json::Value {
    let before = version(port);
    let asked =
        std::thread::spawn(move || get(port, &format!("/__secbook/status?after={before}")).1);
    std::thread::sleep(Duration::from_millis(200));
    edit();
    serde_json::from_str(&asked.join().unwrap()).unwrap()
}

/// The paths a build told the pages it changed.
fn changed(status: &serde_json::Value) -> Vec<String> {
    serde_json::from_value(status["changed"].clone()).unwrap()
}

/// The number of the build the server has.
pub(crate) fn version(port: u16) -> u64 {
    let (_, status) = get(port, "/__secbook/status");
    status
        .split("\"version\":")
        .nth(1)
        .unwrap()
        .trim_end_matches('}')
        .parse()
        .unwrap()
}

#[test]
fn serves_rebuilds_and_reports_errors() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("content")).unwrap();
    fs::write(
        root.join("handbook.yaml"),
        "title: Served\nas_of: 2026-06-30\n",
    )
    .unwrap();
    let page = root.join("content/_index.md");
    fs::write(&page, "---\ntitle: Home\n---\nFirst version.\n").unwrap();
    let server = start(root);

    let (status, body) = get(server.port, "/");
    assert_eq!(status, 200);
    assert!(body.contains("First version."), "{body}");
    assert!(
        body.contains("/__secbook/live.js") && body.contains("data-file=\"index.html\""),
        "pages carry the reload script, and the file they are: {body}"
    );
    assert_eq!(get(server.port, "/__secbook/live.js").0, 200);
    // A missing path at any depth gets the site's own 404 page, as HTML with status 404,
    // able to find the site's root from there.
    let (status, body) = get(server.port, "/no/such/page/");
    assert_eq!(status, 404);
    assert!(body.contains("<h1>Page not found</h1>"), "{body}");
    assert!(body.contains("base.href = root"), "{body}");
    assert!(
        !body.contains("data-file"),
        "the 404 page is no file at that path: {body}"
    );
    let answer = get_with(server.port, "/a/b/c/d", "");
    assert!(
        answer.starts_with("HTTP/1.1 404")
            && answer.contains("content-type: text/html; charset=utf-8")
            && answer.contains("<h1>Page not found</h1>"),
        "{answer}"
    );

    // The pages learn which files the build changed: the edited page, not the style sheet.
    let status = first_build_after(server.port, || {
        fs::write(&page, "---\ntitle: Home\n---\nSecond version.\n").unwrap()
    });
    let edited = changed(&status);
    assert!(
        edited.contains(&"index.html".to_string()) && !edited.contains(&"style.css".to_string()),
        "{status}"
    );
    let body = get(server.port, "/index.html").1;
    assert!(body.contains("Second version."), "the edit shows: {body}");

    fs::write(&page, "---\ntitle: [Home\n---\nBroken.\n").unwrap();
    let status = eventually(server.port, "/__secbook/status", |b| {
        b.contains("content/_index.md:2")
    });
    assert!(
        status.contains("content/_index.md:2"),
        "the error names the file and line: {status}"
    );
    let failed: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(
        changed(&failed),
        Vec::<String>::new(),
        "a failed build changes no file"
    );
    let (code, body) = get(server.port, "/");
    assert_eq!(code, 200, "the last good site is still served");
    assert!(body.contains("Second version."), "{body}");

    let status = first_build_after(server.port, || {
        fs::write(&page, "---\ntitle: Home\n---\nFixed.\n").unwrap()
    });
    assert!(status["error"].is_null(), "{status}");
    assert!(
        changed(&status).contains(&"index.html".to_string()),
        "{status}"
    );
    assert!(get(server.port, "/").1.contains("Fixed."));
}

/// The terminal shows each warning when it first appears, with its place, and the count of
/// all of them on the line of each build; a rebuild does not print the same ones again.
#[test]
fn a_rebuild_prints_the_warnings_it_did_not_have_before() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    one_page(root);
    fs::create_dir_all(root.join("data/exceptions")).unwrap();
    // With an id, the handbook has no warning of its own.
    fs::write(
        root.join("handbook.yaml"),
        "title: W\nid: 0b6f2c1e-4d7a-4c1b-9a51-3f0e8f6d2a10\nas_of: 2026-06-30\n",
    )
    .unwrap();
    let record = |summary: &str| {
        format!(
            "id: EXC-001\ntitle: T\ntype: acceptance\nseverity: low\nstatus: pending\n\
             requested_by: A\nrisk_owner: B\ncreated: 2026-01-01\nsummary: {summary}\n\
             justification: j\n"
        )
    };
    let file = root.join("data/exceptions/EXC-001.yaml");
    fs::write(&file, record("s")).unwrap();
    let server = start(root);
    // The first build is before the address.
    assert!(
        server.said.contains("pages unchanged\n") && !server.said.contains("warning"),
        "{}",
        server.said
    );

    fs::write(&file, record("'TODO: the risk'")).unwrap();
    let printed = server.heard_once(|h| h.contains("built in"));
    assert!(
        printed.starts_with(
            "warning[exception.todo]: `summary` still has a TODO marker: the risk\n  \
             ┌─ data/exceptions/EXC-001.yaml:9:10\n"
        ) && printed.contains("pages unchanged; 1 warning(s), 1 new above\n"),
        "{printed}"
    );

    fs::write(
        root.join("content/_index.md"),
        "---\ntitle: Home\n---\nAgain.\n",
    )
    .unwrap();
    let third = server.heard_once(|h| h.matches("built in").count() == 2);
    let (_, printed) = third.rsplit_once("\n\n").unwrap();
    let last = printed.lines().last().unwrap();
    assert!(
        last.starts_with("built in") && last.ends_with("pages unchanged; 1 warning(s)"),
        "{third}"
    );
    assert_eq!(
        third.matches("warning[exception.todo]").count(),
        1,
        "{third}"
    );
}

#[test]
fn reading_sources_does_not_rebuild_but_an_edit_does() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("content")).unwrap();
    fs::write(root.join("handbook.yaml"), "title: Served\n").unwrap();
    fs::write(
        root.join("content/_index.md"),
        "---\ntitle: Home\n---\nOne.\n",
    )
    .unwrap();
    let server = start(root);
    let first = version(server.port);
    // Serving pages and reading the sources must not count as changes.
    for _ in 0..5 {
        get(server.port, "/");
        get(server.port, "/style.css");
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = fs::read_to_string(root.join("content/_index.md")).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        version(server.port),
        first,
        "an idle server does not rebuild"
    );

    fs::write(
        root.join("content/_index.md"),
        "---\ntitle: Home\n---\nTwo.\n",
    )
    .unwrap();
    let status = eventually(server.port, "/__secbook/status", |b| {
        !b.contains(&format!("\"version\":{first}}}"))
    });
    assert!(
        !status.contains(&format!("\"version\":{first}}}")),
        "{status}"
    );
    assert!(get(server.port, "/").1.contains("Two."));
}

#[test]
fn a_page_asking_for_a_newer_build_is_answered_when_one_lands() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("content")).unwrap();
    fs::write(root.join("handbook.yaml"), "title: Served\n").unwrap();
    let page = root.join("content/_index.md");
    fs::write(&page, "---\ntitle: Home\n---\nOne.\n").unwrap();
    let server = start(root);
    let version = version(server.port);

    // A page that has an older build is answered at once.
    let asked = Instant::now();
    get(
        server.port,
        &format!("/__secbook/status?after={}", version - 1),
    );
    assert!(asked.elapsed() < Duration::from_secs(5));

    // A page that has the newest build waits for the next.
    let port = server.port;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(get(port, &format!("/__secbook/status?after={version}")).1);
    });
    std::thread::sleep(Duration::from_millis(500));
    assert!(rx.try_recv().is_err(), "no answer while nothing changed");
    fs::write(&page, "---\ntitle: Home\n---\nTwo.\n").unwrap();
    let answer = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(
        answer.contains(&format!("\"version\":{}", version + 1)),
        "{answer}"
    );
}

/// The files `serve` keeps in parts, some shared with the last build (the search index's
/// records' rows, each record's piece of an export), are sent whole, as `build` writes them.
#[test]
fn the_files_made_in_parts_are_served_as_built() {
    let (dir, root) = example_built();
    let server = start(&root);
    for path in [
        "search/index.js",
        "api/exceptions.json",
        "api/incidents.json",
        "exports/poam.json",
        "exports/exceptions.csv",
    ] {
        let built = fs::read_to_string(dir.path().join("site").join(path)).unwrap();
        // Every record, not a file of nothing sent as nothing.
        assert!(built.len() > 5_000, "{path} has the records");
        let (status, served) = get(server.port, &format!("/{path}"));
        assert_eq!(status, 200, "{path}");
        assert!(served == built, "{path} is served as built");
    }
}

/// A folder holding the example handbook in `book/` (returned), built into `site/`.
fn example_built() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("book");
    common::copy_example(&root);
    let out = common::secbook(&root, &["build", ".", "-o", "../site"]);
    common::assert_code(&out, 0);
    (dir, root)
}

/// `serve` finds each file by its path among all a build makes: every file `build` writes
/// is sent, pages with the reload script added and every other file as it is written.
#[test]
fn every_file_built_is_served() {
    let (dir, root) = example_built();
    let site = dir.path().join("site");
    let server = start(&root);
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(&site) {
        let entry = entry.unwrap();
        let name = entry.path().strip_prefix(&site).unwrap().to_str().unwrap();
        if !entry.file_type().is_file() || name.starts_with('.') {
            continue;
        }
        let (status, served) = get(server.port, &format!("/{name}"));
        assert_eq!(status, 200, "{name}");
        if !name.ends_with(".html") {
            let built = String::from_utf8_lossy(&fs::read(entry.path()).unwrap()).into_owned();
            assert!(served == built, "{name} is sent as built");
        }
        checked += 1;
    }
    assert!(
        checked > 50,
        "the example's site has its records' pages: {checked}"
    );
}

/// A handbook of one page, at `root`.
fn one_page(root: &Path) {
    fs::create_dir_all(root.join("content")).unwrap();
    fs::write(root.join("handbook.yaml"), "title: Served\n").unwrap();
    fs::write(
        root.join("content/_index.md"),
        "---\ntitle: Home\n---\nOne.\n",
    )
    .unwrap();
}

/// A server started on a handbook with errors has no site to serve: every page is one that
/// shows them (the reload script's overlay) and reloads once a build succeeds, rather than
/// a bare "not found" that an open tab never leaves.
#[test]
fn a_server_started_on_errors_shows_them_until_a_build_succeeds() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    one_page(root);
    let page = root.join("content/_index.md");
    fs::write(&page, "---\ntitle: [Home\n---\nOne.\n").unwrap();
    let server = start(root);
    for path in ["/", "/exceptions/", "/no/such/page.html"] {
        let response = get_with(server.port, path, "");
        assert_eq!(status_of(&response), 503, "{path}: {response}");
        assert!(response.contains("content-type: text/html"), "{response}");
        assert!(response.contains("the build has errors"), "{response}");
        assert!(response.contains("/__secbook/live.js"), "{response}");
    }
    let status: serde_json::Value =
        serde_json::from_str(&get(server.port, "/__secbook/status").1).unwrap();
    assert!(
        status["error"]
            .as_str()
            .is_some_and(|e| e.contains("content/_index.md"))
    );
    let fixed = first_build_after(server.port, || {
        fs::write(&page, "---\ntitle: Home\n---\nOne.\n").unwrap();
    });
    assert!(fixed["error"].is_null(), "{fixed}");
    assert_eq!(get(server.port, "/").0, 200);
}

/// A file of the last good site that is gone from disk before the next build lands is a
/// 500 that names it by its address: its place on disk is no client's to learn.
#[test]
fn a_file_gone_before_the_rebuild_is_named_by_its_address() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    one_page(root);
    fs::create_dir_all(root.join("static")).unwrap();
    let file = root.join("static/hello.txt");
    fs::write(&file, "hello\n").unwrap();
    let server = start(root);
    let aside = root.join("hello.aside");
    let mut answered = Vec::new();
    for _ in 0..5 {
        fs::rename(&file, &aside).unwrap();
        let response = get_with(server.port, "/hello.txt", "");
        fs::rename(&aside, &file).unwrap();
        let (status, body) = (
            status_of(&response),
            response.split_once("\r\n\r\n").unwrap().1.to_string(),
        );
        assert!(!body.contains(&*root.to_string_lossy()), "{body}");
        answered.push(status);
        if status == 500 {
            assert!(body.starts_with("cannot read /hello.txt: "), "{body}");
            break;
        }
        eventually(server.port, "/hello.txt", |b| b == "hello\n");
    }
    assert!(
        answered.contains(&500),
        "the file was never asked for before the rebuild: {answered:?}"
    );
}

/// Sends `request` byte for byte and returns the whole answer, read until the server
/// closes the connection.
fn raw(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

fn status_of(response: &str) -> u16 {
    response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[test]
fn only_requests_for_this_machine_are_answered() {
    let dir = tempfile::tempdir().unwrap();
    one_page(dir.path());
    let server = start(dir.path());
    let port = server.port;
    let ask = |path: &str, host: &str| {
        raw(
            port,
            &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        )
    };

    let good = [
        "localhost".to_string(),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        format!("docs.localhost:{port}"),
        "127.0.0.1".to_string(),
        format!("127.0.0.1:{port}"),
        format!("127.8.9.10:{port}"),
        "[::1]".to_string(),
        format!("[::1]:{port}"),
    ];
    for host in &good {
        let answer = ask("/", host);
        assert_eq!(status_of(&answer), 200, "Host: {host}\n{answer}");
    }

    // A page on another site whose name was rebound to 127.0.0.1 sends its own name.
    let bad = [
        "evil.com".to_string(),
        "evil.com:1111".to_string(),
        format!("evil.com:{port}"),
        format!("127.0.0.1.evil.com:{port}"),
        format!("localhost.evil.com:{port}"),
        "localhostevil.com".to_string(),
        format!("localhost:{}", port.wrapping_add(1)),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        format!("10.0.0.1:{port}"),
        format!("[::2]:{port}"),
        format!("evil.com@localhost:{port}"),
        "localhost:x".to_string(),
        String::new(),
    ];
    for host in &bad {
        for path in ["/", "/style.css", "/__secbook/status", "/__secbook/live.js"] {
            let answer = ask(path, host);
            assert_eq!(status_of(&answer), 421, "Host: {host}, {path}\n{answer}");
            assert!(
                answer.contains("text/plain") && answer.contains("localhost"),
                "a short plain answer that says why: {answer}"
            );
            assert!(!answer.contains("One."), "{answer}");
        }
    }

    // The host of an absolute URL counts as well as the Host header.
    let answer = raw(
        port,
        "GET http://evil.com/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status_of(&answer), 421, "{answer}");
    let answer = raw(
        port,
        &format!(
            "GET http://localhost:{port}/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        ),
    );
    assert_eq!(status_of(&answer), 200, "{answer}");

    // No Host: HTTP/1.1 requires one; an HTTP/1.0 client need not send it.
    let answer = raw(port, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(status_of(&answer), 400, "{answer}");
    let answer = raw(port, "GET / HTTP/1.0\r\n\r\n");
    assert_eq!(status_of(&answer), 200, "{answer}");
}

#[test]
fn a_file_swapped_after_the_last_good_build_is_not_served() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret"), "CANARY").unwrap();
    fs::create_dir(outside.path().join("dir")).unwrap();
    fs::write(outside.path().join("dir/b.txt"), "CANARY").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    one_page(root);
    fs::create_dir_all(root.join("static/sub")).unwrap();
    fs::create_dir_all(root.join("content/files")).unwrap();
    fs::write(root.join("static/a.txt"), "static a").unwrap();
    fs::write(root.join("static/sub/b.txt"), "static b").unwrap();
    fs::write(root.join("content/files/c.txt"), "asset c").unwrap();
    let server = start(root);
    let port = server.port;
    let swapped = ["/a.txt", "/sub/b.txt", "/files/c.txt"];
    for path in swapped {
        assert_eq!(get(port, path).0, 200, "{path}");
    }

    // The next builds fail, and the files the last good one copies become links out.
    fs::write(
        root.join("content/_index.md"),
        "---\ntitle: [Home\n---\nBroken.\n",
    )
    .unwrap();
    fs::remove_file(root.join("static/a.txt")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret"), root.join("static/a.txt")).unwrap();
    fs::remove_dir_all(root.join("static/sub")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("dir"), root.join("static/sub")).unwrap();
    fs::remove_file(root.join("content/files/c.txt")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret"),
        root.join("content/files/c.txt"),
    )
    .unwrap();
    let status = eventually(port, "/__secbook/status", |b| {
        b.contains("content/_index.md:2")
    });
    assert!(status.contains("content/_index.md:2"), "{status}");
    for path in swapped {
        let (code, body) = get(port, path);
        assert!(
            !body.contains("CANARY"),
            "{path} is served from outside: {body}"
        );
        assert_eq!(code, 409, "{path}: {body}");
    }
    assert!(
        get(port, "/").1.contains("One."),
        "the last good site is kept"
    );

    // A good build again, once the links out (an error of their own) are gone: the files
    // they replaced are not part of the site.
    fs::remove_file(root.join("static/a.txt")).unwrap();
    fs::remove_file(root.join("static/sub")).unwrap();
    fs::remove_file(root.join("content/files/c.txt")).unwrap();
    fs::write(
        root.join("content/_index.md"),
        "---\ntitle: Home\n---\nFixed.\n",
    )
    .unwrap();
    let home = eventually(port, "/", |b| b.contains("Fixed."));
    assert!(home.contains("Fixed."), "the good build is served: {home}");
    for path in swapped {
        let (code, body) = get(port, path);
        assert!(
            !body.contains("CANARY"),
            "{path} is served from outside: {body}"
        );
        assert_eq!(code, 404, "{path}: {body}");
    }
}

/// Reads until the server closes `stream`, and says how long that took; `None` when it
/// did not close it within 15 seconds.
fn closed_within(mut stream: TcpStream) -> Option<Duration> {
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => Some(started.elapsed()),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => Some(started.elapsed()),
        Err(_) => None,
    }
}

#[test]
fn half_sent_requests_and_idle_connections_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    one_page(dir.path());
    let server = start(dir.path());

    let mut half = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    half.write_all(b"GET / HT").unwrap();
    let closed = closed_within(half);
    assert!(
        closed.is_some_and(|t| t < Duration::from_secs(10)),
        "a half-sent request is dropped within 10 s, took {closed:?}"
    );

    let mut idle = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    idle.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let closed = closed_within(idle);
    assert!(
        closed.is_some_and(|t| t < Duration::from_secs(10)),
        "an idle kept-alive connection is closed within 10 s, took {closed:?}"
    );
}

#[test]
fn the_held_status_question_outlasts_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    one_page(dir.path());
    let server = start(dir.path());
    let version = version(server.port);
    let asked = Instant::now();
    let (code, body) = get(server.port, &format!("/__secbook/status?after={version}"));
    assert_eq!(code, 200, "{body}");
    assert!(body.contains(&format!("\"version\":{version}")), "{body}");
    assert!(
        asked.elapsed() > Duration::from_secs(15),
        "held until no build came, took {:?}",
        asked.elapsed()
    );
}

/// The CPU time `pid` has used, in clock ticks (/proc/<pid>/stat, utime plus stime).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn at_the_descriptor_limit_the_server_waits_instead_of_spinning() {
    const MAX_FILES: u64 = 64;
    let dir = tempfile::tempdir().unwrap();
    one_page(dir.path());
    let server = spawn(dir.path(), &[], Some(MAX_FILES));
    let pid = server.child.id();
    let open_files = || fs::read_dir(format!("/proc/{pid}/fd")).unwrap().count() as u64;

    let held: Vec<TcpStream> = (0..2 * MAX_FILES)
        .map(|_| TcpStream::connect(("127.0.0.1", server.port)).unwrap())
        .collect();
    let deadline = Instant::now() + Duration::from_secs(3);
    while open_files() < MAX_FILES && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    // One more than the limit when the server inherited a descriptor above it.
    assert!(open_files() >= MAX_FILES, "the server is at its limit");

    let (before, started) = (cpu_ticks(pid), Instant::now());
    std::thread::sleep(Duration::from_secs(2));
    // SAFETY: sysconf only reads a constant.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let cpu = (cpu_ticks(pid) - before) as f64 / hz;
    let wall = started.elapsed().as_secs_f64();
    assert!(
        cpu < wall / 8.0,
        "the server used {cpu:.2} s of CPU in {wall:.2} s while it could not accept"
    );

    for stream in &held {
        let _ = stream.shutdown(Shutdown::Both);
    }
    drop(held);
    let (code, body) = get(server.port, "/");
    assert_eq!(code, 200, "served again once descriptors are free: {body}");
}

#[test]
fn listening_beyond_loopback_warns_that_the_handbook_is_exposed() {
    let dir = tempfile::tempdir().unwrap();
    one_page(dir.path());
    let server = spawn(dir.path(), &["--bind", "0.0.0.0"], None);
    assert!(
        server.said.contains("warning:") && server.said.contains("0.0.0.0"),
        "{}",
        server.said
    );
    assert_eq!(get(server.port, "/").0, 200);
    // The address it prints opens the preview, as a browser sends its Host: `0.0.0.0`
    // would be misdirected.
    let printed = (server.said.split(" at http://").nth(1))
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {}", server.said));
    assert_eq!(printed, format!("localhost:{}", server.port));
    let asked = format!("GET / HTTP/1.1\r\nHost: {printed}\r\nConnection: close\r\n\r\n");
    assert_eq!(status_of(&raw(server.port, &asked)), 200);

    let local = start(dir.path());
    assert!(!local.said.contains("warning: listening"), "{}", local.said);
}

/// A reload asks again for every file of the page: one the browser holds as built is
/// answered "not modified", found by its tag, and one a rebuild changed is sent again. What
/// is true only of the moment (the build's status, a missing page) is never stored.
#[test]
fn a_file_the_browser_holds_is_not_sent_again_until_it_changes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    one_page(root);
    let server = start(root);
    let ask = |path: &str, tag: Option<&str>| {
        let held = tag.map_or(String::new(), |t| format!("If-None-Match: {t}\r\n"));
        get_with(server.port, path, &held)
    };
    let tag_of = |answer: &str| {
        (answer.lines())
            .find_map(|l| l.strip_prefix("etag: "))
            .map(str::to_string)
    };
    for path in ["/index.html", "/style.css", "/__secbook/live.js"] {
        let first = ask(path, None);
        assert_eq!(status_of(&first), 200, "{first}");
        assert!(first.contains("cache-control: no-cache\r\n"), "{first}");
        let tag = tag_of(&first).unwrap_or_else(|| panic!("{path} has no tag: {first}"));
        let again = ask(path, Some(&tag));
        assert_eq!(status_of(&again), 304, "{again}");
        assert!(again.ends_with("\r\n\r\n"), "no body: {again}");
        assert!(
            !again.contains("content-type:"),
            "nor its metadata: {again}"
        );
        assert!(again.contains("cache-control: no-cache\r\n"), "{again}");
        assert_eq!(tag_of(&again).as_deref(), Some(tag.as_str()));
        let listed = ask(path, Some(&format!("\"other\", W/{tag}")));
        assert_eq!(status_of(&listed), 304, "a list naming it: {listed}");
        assert_eq!(status_of(&ask(path, Some("\"other\""))), 200);
    }
    for path in ["/__secbook/status", "/no/such/page/"] {
        let answer = ask(path, Some("*"));
        assert!(status_of(&answer) != 304, "{answer}");
        assert!(answer.contains("cache-control: no-store\r\n"), "{answer}");
        assert_eq!(tag_of(&answer), None, "{answer}");
    }

    let page = ask("/index.html", None);
    let tag = tag_of(&page).unwrap();
    fs::write(
        root.join("content/_index.md"),
        "---\ntitle: Home\n---\nTwo.\n",
    )
    .unwrap();
    eventually(server.port, "/index.html", |b| b.contains("Two."));
    let changed = ask("/index.html", Some(&tag));
    assert_eq!(status_of(&changed), 200, "{changed}");
    assert!(changed.contains("Two."), "{changed}");
    assert_ne!(tag_of(&changed), Some(tag));
}

/// A folder asked for without its slash is answered with a redirect to the folder, query
/// kept, as a static host answers: served there, the folder's page would resolve its
/// relative links one level too high. The redirect is relative, so a path that starts
/// with two slashes does not send the browser to another host. A file, a folder with its
/// slash and a missing path are answered as before.
#[test]
fn a_folder_asked_for_without_its_slash_is_sent_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    one_page(root);
    fs::write(
        root.join("content/my page.md"),
        "---\ntitle: Mine\n---\nMine.\n",
    )
    .unwrap();
    let server = start(root);
    let ask = |path: &str| get_with(server.port, path, "");
    for (path, to) in [
        ("/exceptions", "./exceptions/"),
        ("/exceptions?state=active", "./exceptions/?state=active"),
        ("/my%2Dpage", "./my%2Dpage/"),
        ("//exceptions", "./exceptions/"),
    ] {
        let answer = ask(path);
        assert_eq!(status_of(&answer), 302, "{path}: {answer}");
        assert!(
            answer.contains(&format!("\r\nlocation: {to}\r\n")),
            "{path}: {answer}"
        );
        assert!(answer.contains("cache-control: no-store\r\n"), "{answer}");
    }
    for (path, status) in [
        ("/exceptions/", 200),
        ("/my-page/", 200),
        ("/style.css", 200),
        ("/exceptions/index.html", 200),
        ("/nothing", 404),
    ] {
        let answer = ask(path);
        assert_eq!(status_of(&answer), status, "{path}: {answer}");
        assert!(!answer.contains("\r\nlocation:"), "{path}: {answer}");
    }
}

/// Editors and scripts replace files and folders rather than write into them (vim's save,
/// `sed -i`, a temporary file renamed over, `rm -rf data && cp -r backup data`): each
/// replacement is seen, again and again, as is a source folder made after the start and
/// a handbook folder deleted and made again.
#[test]
fn replaced_files_and_folders_are_still_watched() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("book");
    one_page(&root);
    let record = |title: &str| {
        format!(
            "id: EXC-001\ntitle: {title}\ntype: acceptance\nseverity: low\nstatus: pending\n\
             requested_by: A\nrisk_owner: B\ncreated: 2026-01-01\nsummary: s\n\
             justification: j\n"
        )
    };
    fs::create_dir_all(root.join("data/exceptions")).unwrap();
    fs::write(root.join("data/exceptions/EXC-001.yaml"), record("First")).unwrap();
    let server = start(&root);
    let shows = |path: &str, text: &str| {
        let body = eventually(server.port, path, |b| b.contains(text));
        assert!(body.contains(text), "{path} shows {text}: {body}");
    };

    for title in ["Renamed Once", "Renamed Twice"] {
        fs::write(root.join("handbook.yaml.tmp"), format!("title: {title}\n")).unwrap();
        fs::rename(root.join("handbook.yaml.tmp"), root.join("handbook.yaml")).unwrap();
        shows("/", title);
    }

    fs::create_dir(root.join("static")).unwrap();
    fs::write(root.join("static/late.txt"), "made after the start").unwrap();
    shows("/late.txt", "made after the start");

    fs::remove_dir_all(root.join("data")).unwrap();
    fs::create_dir_all(root.join("data/exceptions")).unwrap();
    fs::write(root.join("data/exceptions/EXC-001.yaml"), record("Second")).unwrap();
    shows("/api/exceptions.json", "Second");
    // The new folder is watched, not only seen once.
    fs::write(root.join("data/exceptions/EXC-001.yaml"), record("Third")).unwrap();
    shows("/api/exceptions.json", "Third");

    fs::remove_dir_all(&root).unwrap();
    fs::create_dir_all(root.join("content")).unwrap();
    fs::write(root.join("handbook.yaml"), "title: Made Again\n").unwrap();
    fs::write(
        root.join("content/_index.md"),
        "---\ntitle: Home\n---\nAgain.\n",
    )
    .unwrap();
    shows("/", "Made Again");
    fs::write(
        root.join("content/_index.md"),
        "---\ntitle: Home\n---\nEdited again.\n",
    )
    .unwrap();
    shows("/", "Edited again.");
}

/// A page on another site can load the preview's files as scripts (`<script src>` is not
/// held to the same-origin policy), and the search index sets a global that page could
/// read. A browser says where a request comes from (`Sec-Fetch-Site`): one from another
/// site for anything but a navigation is refused, and every answer tells the browser not
/// to hand it to another origin, nor to guess its type.
#[test]
fn other_sites_cannot_load_the_preview_files() {
    let dir = tempfile::tempdir().unwrap();
    one_page(dir.path());
    let server = start(dir.path());
    for (site, mode, dest, status) in [
        ("cross-site", "no-cors", "script", 403),
        ("same-site", "no-cors", "script", 403),
        ("cross-site", "cors", "empty", 403),
        ("same-origin", "no-cors", "script", 200),
        ("same-origin", "cors", "empty", 200),
        ("none", "navigate", "document", 200),
        ("cross-site", "navigate", "document", 200),
    ] {
        let headers = format!(
            "Sec-Fetch-Site: {site}\r\nSec-Fetch-Mode: {mode}\r\nSec-Fetch-Dest: {dest}\r\n"
        );
        let answer = get_with(server.port, "/search/index.js", &headers);
        assert_eq!(status_of(&answer), status, "{site} {mode}: {answer}");
        if status == 403 {
            assert!(!answer.contains("SECBOOK_SEARCH"), "{answer}");
        }
    }
    for (path, headers) in [
        ("/search/index.js", ""),
        ("/", ""),
        ("/no/such/page/", ""),
        ("/exceptions", ""),
        ("/__secbook/status", ""),
        (
            "/",
            "Sec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: no-cors\r\n",
        ),
    ] {
        let answer = get_with(server.port, path, headers);
        assert!(
            answer.contains("\r\ncross-origin-resource-policy: same-origin\r\n")
                && answer.contains("\r\nx-content-type-options: nosniff\r\n"),
            "{path}: {answer}"
        );
    }
    let answer = raw(
        server.port,
        "GET / HTTP/1.1\r\nHost: evil.com\r\nConnection: close\r\n\r\n",
    );
    assert!(
        answer.contains("\r\nx-content-type-options: nosniff\r\n"),
        "{answer}"
    );
}

/// Each file is sent with the type a browser needs to use it (a module script, a
/// WebAssembly module, a font), whatever the case of its extension.
#[test]
fn files_are_sent_with_their_types() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    one_page(root);
    fs::create_dir_all(root.join("static")).unwrap();
    let types = [
        ("m.mjs", "text/javascript; charset=utf-8"),
        ("s.js", "text/javascript; charset=utf-8"),
        ("a.wasm", "application/wasm"),
        ("d.pdf", "application/pdf"),
        ("i.webp", "image/webp"),
        ("i.avif", "image/avif"),
        ("f.woff2", "font/woff2"),
        ("favicon.ico", "image/x-icon"),
        ("p.htm", "text/html; charset=utf-8"),
        ("app.webmanifest", "application/manifest+json"),
        ("v.mp4", "video/mp4"),
        ("UP.PNG", "image/png"),
        ("UP.JS", "text/javascript; charset=utf-8"),
        ("c.css", "text/css; charset=utf-8"),
        ("t.txt", "text/plain; charset=utf-8"),
        ("x.svg", "image/svg+xml"),
        ("x.json", "application/json"),
        ("x.xml", "application/xml"),
        ("x.ics", "text/calendar; charset=utf-8"),
        ("x.csv", "text/csv; charset=utf-8"),
        ("x.unknownext", "application/octet-stream"),
    ];
    for (name, _) in types {
        fs::write(root.join("static").join(name), "x").unwrap();
    }
    let server = start(root);
    for (name, expected) in types {
        let answer = get_with(server.port, &format!("/{name}"), "");
        assert_eq!(status_of(&answer), 200, "{name}: {answer}");
        assert!(
            answer.contains(&format!("\r\ncontent-type: {expected}\r\n")),
            "{name} is {expected}: {answer}"
        );
    }
    for (path, expected) in [
        ("/", "text/html; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/search/index.js", "text/javascript; charset=utf-8"),
    ] {
        let answer = get_with(server.port, path, "");
        assert!(
            answer.contains(&format!("\r\ncontent-type: {expected}\r\n")),
            "{path} is {expected}: {answer}"
        );
    }
}

/// Asks for `path` again with the tag of the answer whose head is `head`: the browser is
/// told "not modified".
fn assert_not_modified_again(port: u16, path: &str, head: &str) {
    let tag = (head.lines())
        .find_map(|l| l.strip_prefix("etag: "))
        .unwrap();
    let again = get_with(port, path, &format!("If-None-Match: {tag}\r\n"));
    assert_eq!(status_of(&again), 304, "{again}");
}

/// `n` clients that ask for `path`, read the first kilobyte of the answer and stop.
fn stalled(port: u16, path: &str, n: usize) -> Vec<TcpStream> {
    (0..n)
        .map(|_| {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            let request =
                format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            stream.write_all(request.as_bytes()).unwrap();
            let mut first = [0; 1024];
            stream.read_exact(&mut first).unwrap();
            stream
        })
        .collect()
}

/// Bytes the server process has read with read(2) and the like (/proc/<pid>/io).
fn bytes_read(pid: u32) -> u64 {
    let io = fs::read_to_string(format!("/proc/{pid}/io")).unwrap();
    io.lines()
        .find_map(|l| l.strip_prefix("rchar: "))
        .unwrap()
        .parse()
        .unwrap()
}

/// A large static file is sent as it is read, not read whole for each request: clients
/// that ask for it and stop reading make the server read only what the connections can
/// hold. A client that stops reading is dropped after a while, and one that reads gets
/// the whole file.
#[test]
fn large_files_are_streamed_and_stalled_clients_dropped() {
    const SIZE: u64 = 64 << 20;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    one_page(root);
    fs::create_dir_all(root.join("static")).unwrap();
    fs::File::create(root.join("static/big.bin"))
        .unwrap()
        .set_len(SIZE)
        .unwrap();
    let server = start(root);
    let pid = server.child.id();

    let whole = get_with(server.port, "/big.bin", "");
    assert!(
        whole.contains(&format!("\r\ncontent-length: {SIZE}\r\n")),
        "{}",
        &whole[..200]
    );
    let (head, body) = whole.split_once("\r\n\r\n").unwrap();
    assert_eq!(body.len() as u64, SIZE);
    // Its tag is the file's, not its bytes': a reload is told "not modified".
    assert_not_modified_again(server.port, "/big.bin", head);

    let before = bytes_read(pid);
    let stalled = stalled(server.port, "/big.bin", 4);
    std::thread::sleep(Duration::from_secs(1));
    let read = bytes_read(pid) - before;
    assert!(
        read < SIZE,
        "four stalled downloads of {SIZE} bytes made the server read {read} bytes"
    );
    assert_eq!(get(server.port, "/").0, 200, "others are still answered");

    std::thread::sleep(Duration::from_secs(12));
    for mut stream in stalled {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut got = Vec::new();
        let _ = stream.read_to_end(&mut got);
        // The whole answer is the file and its headers.
        let sent = 1024 + got.len() as u64;
        assert!(
            sent < SIZE,
            "a client that stopped reading was sent all {sent} bytes"
        );
    }
}

/// Memory the process holds (/proc/<pid>/status), in bytes.
fn resident(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = (status.lines())
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb << 10
}

/// A file the build makes in parts (the JSON of every record) is sent a chunk at a time:
/// joined for each request, clients that ask for it and stop reading made the server
/// hold a copy each, a gigabyte for a hundred of a large register.
#[test]
fn a_file_made_in_parts_is_not_copied_for_each_client() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    one_page(root);
    fs::create_dir_all(root.join("data/exceptions")).unwrap();
    let summary = "A long summary of the risk. ".repeat(150);
    for n in 0..1500 {
        fs::write(
            root.join(format!("data/exceptions/EXC-{n:04}.yaml")),
            format!(
                "id: EXC-{n:04}\ntitle: Risk {n}\ntype: acceptance\nseverity: low\nstatus: pending\n\
                 requested_by: A\nrisk_owner: B\ncreated: 2026-01-01\nsummary: {summary}\n\
                 justification: j\n"
            ),
        )
        .unwrap();
    }
    let server = start(root);
    let pid = server.child.id();
    let whole = get_with(server.port, "/api/exceptions.json", "");
    let (head, body) = whole.split_once("\r\n\r\n").unwrap();
    let size = body.len() as u64;
    assert!(size > 6 << 20, "{size}");
    assert!(
        head.contains(&format!("\r\ncontent-length: {size}\r\n")),
        "{head}"
    );
    assert!(body.starts_with("[{") && body.ends_with("}]\n"), "whole");
    assert_not_modified_again(server.port, "/api/exceptions.json", head);

    let before = resident(pid);
    let stalled = stalled(server.port, "/api/exceptions.json", 8);
    std::thread::sleep(Duration::from_millis(500));
    let grown = resident(pid).saturating_sub(before);
    assert!(
        grown < size,
        "eight stalled downloads of {size} bytes made the server hold {grown} bytes more"
    );
    drop(stalled);
}

/// A file written in two parts, as a slow program writes it, is built once, whole: the
/// server waits for the writes to stop rather than serve the first half as a good build.
/// The parts are 10 ms apart, well inside the quiet the server waits for; a test thread
/// held off longer than that by a busy machine splits them, so the test tries three
/// times, and a server that does not wait splits every one.
#[test]
fn a_file_written_in_two_parts_is_built_once_whole() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    one_page(root);
    let server = start(root);
    let mut builds = Vec::new();
    for attempt in 0..3 {
        let before = version(server.port);
        let mut page = fs::File::create(root.join("content/_index.md")).unwrap();
        page.write_all(b"---\ntitle: Home\n---\nFirst half.")
            .unwrap();
        std::thread::sleep(Duration::from_millis(10));
        let whole = format!("First half. Second half {attempt}.");
        page.write_all(format!(" Second half {attempt}.\n").as_bytes())
            .unwrap();
        drop(page);
        let body = eventually(server.port, "/", |b| b.contains(&whole));
        assert!(body.contains(&whole), "{body}");
        std::thread::sleep(Duration::from_millis(500));
        builds.push(version(server.port) - before);
        if builds.last() == Some(&1) {
            return;
        }
    }
    panic!("each file written in two parts was built more than once: {builds:?}");
}

/// The preview only sends files: a method other than GET and HEAD is refused with the
/// methods it takes, and HEAD is answered with the headers of GET.
#[test]
fn only_get_and_head_are_answered() {
    let dir = tempfile::tempdir().unwrap();
    one_page(dir.path());
    let server = start(dir.path());
    for method in ["POST", "PUT", "DELETE", "TRACE", "OPTIONS", "PATCH", "FOO"] {
        let answer = raw(
            server.port,
            &format!(
                "{method} / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\
                 Connection: close\r\n\r\n"
            ),
        );
        assert_eq!(status_of(&answer), 405, "{method}: {answer}");
        assert!(answer.contains("\r\nallow: GET, HEAD\r\n"), "{answer}");
        assert!(!answer.contains("One."), "{answer}");
    }
    let answer = raw(
        server.port,
        "HEAD / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status_of(&answer), 200, "{answer}");
    assert!(answer.ends_with("\r\n\r\n"), "no body: {answer}");
    assert!(answer.contains("\r\ncontent-length: "), "{answer}");
}

/// `--bind` takes a host name, resolved to an address of this machine.
#[test]
fn a_host_name_can_be_bound() {
    let dir = tempfile::tempdir().unwrap();
    one_page(dir.path());
    let server = spawn(dir.path(), &["--bind", "localhost"], None);
    assert!(
        !server.said.contains("warning: listening"),
        "{}",
        server.said
    );
    let addr: SocketAddr = (server.said.split("http://").nth(1).unwrap())
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(addr.ip().is_loopback(), "{addr}");
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert_eq!(status_of(&answer), 200, "{answer}");

    let out = common::secbook(
        dir.path(),
        &["serve", ".", "--bind", "no-such-host.invalid"],
    );
    common::assert_code(&out, 2);
    assert!(
        common::stderr(&out).contains("no-such-host.invalid"),
        "{}",
        common::describe(&out)
    );
}

/// With the port taken, serve says so at once, before a build whose output would bury it.
#[test]
fn a_port_in_use_is_told_before_the_build() {
    let dir = tempfile::tempdir().unwrap();
    one_page(dir.path());
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = common::secbook(dir.path(), &["serve", ".", "--port", &port]);
    let said = common::stderr(&out);
    assert!(said.starts_with("error: cannot listen on"), "{said}");
    assert!(
        !said.contains("built in") && !said.contains("warning"),
        "{said}"
    );
}
