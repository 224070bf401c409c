//! `secbook serve` end to end: pages are served with the reload script, an edit shows up,
//! and a broken edit reports its error without stopping the server.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the server when the test ends, pass or fail.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_secbook"))
        .args(["serve", ".", "--port", "0"])
        .current_dir(dir)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let port = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            break rest
                .trim_end_matches(|c: char| !c.is_ascii_digit())
                .split('/')
                .next()
                .unwrap()
                .parse()
                .unwrap();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, port }
}

fn get(port: u16, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Polls `path` until `check` holds, for at most ten seconds.
fn eventually(port: u16, path: &str, check: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, body) = get(port, path);
        if check(&body) || Instant::now() > deadline {
            return body;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The number of the build the server has.
fn version(port: u16) -> u64 {
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
        body.contains("/__secbook/live.js"),
        "pages carry the reload script: {body}"
    );
    assert_eq!(get(server.port, "/__secbook/live.js").0, 200);
    assert_eq!(get(server.port, "/no/such/page/").0, 404);

    fs::write(&page, "---\ntitle: Home\n---\nSecond version.\n").unwrap();
    let body = eventually(server.port, "/index.html", |b| {
        b.contains("Second version.")
    });
    assert!(body.contains("Second version."), "the edit shows: {body}");

    fs::write(&page, "---\ntitle: [Home\n---\nBroken.\n").unwrap();
    let status = eventually(server.port, "/__secbook/status", |b| {
        b.contains("content/_index.md:2")
    });
    assert!(
        status.contains("content/_index.md:2"),
        "the error names the file and line: {status}"
    );
    let (code, body) = get(server.port, "/");
    assert_eq!(code, 200, "the last good site is still served");
    assert!(body.contains("Second version."), "{body}");

    fs::write(&page, "---\ntitle: Home\n---\nFixed.\n").unwrap();
    let status = eventually(server.port, "/__secbook/status", |b| {
        b.contains("\"error\":null")
    });
    assert!(status.contains("\"error\":null"), "{status}");
    assert!(get(server.port, "/").1.contains("Fixed."));
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
