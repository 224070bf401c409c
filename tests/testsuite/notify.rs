//! `secbook notify` against a real SMTP server: aiosmtpd (tests/smtp_server.py), which each
//! test starts on 127.0.0.1, with a certificate authority and a server certificate made
//! here with rcgen. Every message the server gets is read back with Python's email package
//! (tests/checkers.py mail) and held against what `secbook report` lists.

use std::fs;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::{self, assert_code, copy_example, describe, python, stderr};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use serde_json::Value;

const BASE: &str = "https://sec.example.com/hb/";
/// Martin Feld left on 2026-03-31, and his EXC-012 expires within 30 days of this date:
/// his manager, Helen Brooks, gets it.
const AS_OF: &str = "2026-08-20";
const PASSWORD: &str = "pw-3f9c1e-never-printed";

/// The example handbook with `notify` settings (and `extra` lines in them) and an
/// absolute base_url.
fn handbook(extra: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(tmp.path());
    let path = tmp.path().join("handbook.yaml");
    let text = fs::read_to_string(&path).unwrap();
    let text = text.replace("base_url: /\n", &format!("base_url: {BASE}\n"));
    assert!(text.contains(BASE), "the example's base_url moved");
    fs::write(
        &path,
        format!(
            "{text}notify:\n  from: \"Security Program <security@example.com>\"\n  \
             fallback: \"Security Team <security@example.com>\"\n{extra}"
        ),
    )
    .unwrap();
    tmp
}

/// `notify` of the handbook at `root` into an outbox of its own, which must succeed.
#[track_caller]
fn to_outbox(root: &Path) -> (tempfile::TempDir, Output) {
    let outbox = tempfile::tempdir().unwrap();
    let out = notify(root, &["--outbox", outbox.path().to_str().unwrap()], &[]);
    assert_code(&out, 0);
    (outbox, out)
}

/// `secbook notify DIR --as-of AS_OF ARGS` with only `env` of secbook's variables. A run
/// still going after two minutes fails the test as a hang.
fn notify(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = common::command();
    command
        .arg("notify")
        .arg(root)
        .args(["--as-of", AS_OF])
        .args(args)
        .env_remove("SECBOOK_SMTP_USERNAME")
        .env_remove("SECBOOK_SMTP_PASSWORD")
        .env_remove("SECBOOK_SMTP_CA_FILE")
        .env_remove("SOURCE_DATE_EPOCH")
        .envs(env.iter().copied());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(command.output()));
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(out) => out.unwrap(),
        Err(_) => panic!("secbook notify {args:?} did not end"),
    }
}

/// Seconds since 1970, now.
fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A Date header's time, in seconds since 1970.
fn unix(date: &str) -> i64 {
    chrono::DateTime::parse_from_rfc2822(date)
        .unwrap_or_else(|e| panic!("{date}: {e}"))
        .timestamp()
}

/// What `secbook report` lists for the same handbook and date, as JSON.
fn report(root: &Path) -> Vec<Value> {
    let out = common::secbook(root, &["report", ".", "--as-of", AS_OF, "--format", "json"]);
    assert_code(&out, 0);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    json["owners"].as_array().unwrap().clone()
}

/// The links a message must hold for `owner`'s part of the report: one per item.
fn expected_links(owner: &Value) -> Vec<String> {
    let mut links = Vec::new();
    for list in ["expired", "expiring", "pending"] {
        for e in owner[list].as_array().unwrap() {
            links.push(format!(
                "{BASE}exceptions/{}/index.html",
                e["id"].as_str().unwrap()
            ));
        }
    }
    for a in owner["overdue_action_items"].as_array().unwrap() {
        let incident = a["incident"].as_str().unwrap();
        links.push(format!("{BASE}incidents/{incident}/index.html"));
    }
    links.sort();
    links
}

/// tests/smtp_server.py, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
    store: tempfile::TempDir,
}

impl Server {
    /// Starts the server with `args`; `None` (the test is skipped) when aiosmtpd is not
    /// installed on a developer's machine. Under CI (`CI=true`) that fails the test.
    fn start(args: &[&str]) -> Option<Server> {
        let store = tempfile::tempdir().unwrap();
        let log = store.path().join("server.log");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_server.py");
        let mut child = Command::new(python())
            .arg(&script)
            .arg(store.path())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(fs::File::create(&log).unwrap())
            .spawn()
            .expect("python runs");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
        if let Some(port) = line.trim().strip_prefix("port ") {
            return Some(Server {
                child,
                port: port.parse().unwrap(),
                store,
            });
        }
        let _ = child.kill();
        let status = child.wait().unwrap();
        let why = fs::read_to_string(&log).unwrap_or_default();
        if status.code() == Some(3) && !std::env::var("CI").is_ok_and(|v| v == "true") {
            eprintln!(
                "skipped: {why}\nrun .ci/run once, or set SECBOOK_PYTHON to a Python with aiosmtpd"
            );
            return None;
        }
        panic!("the SMTP server did not start ({status}):\n{why}");
    }

    fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Each message the server took, in the order it took them: what the session was
    /// (envelope, TLS, login) and the message's file.
    fn received(&self) -> Vec<(Value, PathBuf)> {
        let mut files: Vec<PathBuf> = fs::read_dir(self.store.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|eml| {
                let meta = fs::read_to_string(eml.with_extension("json")).unwrap();
                (serde_json::from_str(&meta).unwrap(), eml)
            })
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads messages with Python's email package: one JSON object each.
fn parse(files: &[PathBuf]) -> Vec<Value> {
    let mut args: Vec<&std::ffi::OsStr> = vec!["mail".as_ref()];
    args.extend(files.iter().map(|f| f.as_os_str()));
    let out = common::checker(&args).expect("Python reads mail with its standard library");
    assert!(out.status.success(), "{}", describe(&out));
    serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
}

/// A certificate authority, and a certificate it signed for 127.0.0.1, as PEM files.
struct Pki {
    _dir: tempfile::TempDir,
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

fn pki() -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "secbook test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut server = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = server.signed_by(&key, &issuer).unwrap();
    let path = |name: &str| dir.path().join(name);
    fs::write(path("ca.pem"), ca_cert.pem()).unwrap();
    fs::write(path("cert.pem"), cert.pem()).unwrap();
    fs::write(path("key.pem"), key.serialize_pem()).unwrap();
    Pki {
        ca: path("ca.pem"),
        cert: path("cert.pem"),
        key: path("key.pem"),
        _dir: dir,
    }
}

fn tls_args<'a>(mode: &'a str, pki: &'a Pki) -> Vec<&'a str> {
    vec![
        "--tls",
        mode,
        "--cert",
        pki.cert.to_str().unwrap(),
        "--key",
        pki.key.to_str().unwrap(),
    ]
}

fn email(owner: &Value) -> &str {
    owner["email"].as_str().unwrap()
}

/// Asserts that `err` reports each of `owners` as not tried, because of `why`.
#[track_caller]
fn assert_not_tried(err: &str, owners: &[Value], why: &str) {
    for owner in owners {
        let told = format!("not sent to {}: not tried: {why}", email(owner));
        assert!(err.contains(&told), "{told:?} in:\n{err}");
    }
}

fn text_part(message: &Value, kind: &str) -> String {
    let parts = message["parts"].as_array().unwrap();
    let part = parts.iter().find(|p| p["type"] == kind).unwrap();
    part["text"].as_str().unwrap().to_string()
}

#[test]
fn each_person_report_lists_gets_one_message_with_exactly_their_items() {
    let Some(server) = Server::start(&[]) else {
        return;
    };
    let hb = handbook("");
    let owners = report(hb.path());
    assert!(owners.len() >= 5, "{owners:#?}");
    let sent_between = unix_now()..;
    let out = notify(hb.path(), &["--smtp", &server.url("smtp")], &[]);
    let sent_between = sent_between.start..=unix_now();
    assert_code(&out, 0);
    assert!(
        stderr(&out).contains(&format!("sent {0} of {0} message(s)", owners.len())),
        "{}",
        describe(&out)
    );

    let received = server.received();
    let files: Vec<PathBuf> = received.iter().map(|(_, f)| f.clone()).collect();
    let messages = parse(&files);
    assert_eq!(messages.len(), owners.len(), "one message per person");
    let mut ids = Vec::new();
    let mut dates = Vec::new();
    for owner in &owners {
        let to = email(owner);
        let mine: Vec<usize> = (0..messages.len())
            .filter(|&i| messages[i]["to"] == serde_json::json!([to]))
            .collect();
        assert_eq!(mine.len(), 1, "{to} gets one message");
        let (meta, _) = &received[mine[0]];
        let message = &messages[mine[0]];
        assert_eq!(meta["rcpt_tos"], serde_json::json!([to]));
        assert_eq!(meta["mail_from"], "security@example.com");
        assert_eq!(meta["tls"], false, "this server offers no STARTTLS");
        assert_eq!(message["from"], "Security Program <security@example.com>");
        assert_eq!(message["defects"], serde_json::json!([]), "{message:#}");
        assert_eq!(message["long_lines"], serde_json::json!([]), "{message:#}");
        assert_eq!(message["content_type"], "multipart/alternative");
        let types: Vec<&str> = message["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["text/plain", "text/html"]);

        // Exactly this person's items, in both parts.
        let expected = expected_links(owner);
        let n = expected.len();
        let subject = format!(
            "Example Corp Security Handbook: {n} item{} need{} your action (as of {AS_OF})",
            if n == 1 { "" } else { "s" },
            if n == 1 { "s" } else { "" },
        );
        assert_eq!(message["subject"], subject);
        let mut html_links: Vec<String> = message["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_string())
            .filter(|l| l != BASE)
            .collect();
        html_links.sort();
        assert_eq!(html_links, expected, "{to}: the HTML part's links");
        let text = text_part(message, "text/plain");
        let mut text_links: Vec<String> = text
            .split_whitespace()
            .filter(|w| w.starts_with("http"))
            .filter(|w| *w != BASE)
            .map(String::from)
            .collect();
        text_links.sort();
        assert_eq!(text_links, expected, "{to}: the text part's links");
        for list in ["expired", "expiring", "pending", "overdue_action_items"] {
            for item in owner[list].as_array().unwrap() {
                let title = item["title"].as_str().unwrap();
                assert!(text.contains(title), "{to}: {title}\n{text}");
            }
        }
        // Nothing remote: the only links go to the site.
        assert_eq!(message["remote"], serde_json::json!([]), "{message:#}");
        assert!(
            message["links"]
                .as_array()
                .unwrap()
                .iter()
                .all(|l| l.as_str().unwrap().starts_with(BASE))
        );
        let id = message["message_id"].as_str().unwrap();
        assert!(id.starts_with('<') && id.ends_with("@example.com>"), "{id}");
        ids.push(id.to_string());
        let date = message["date"].as_str().unwrap();
        assert!(sent_between.contains(&unix(date)), "{date}: not when sent");
        dates.push(unix(date));
    }
    dates.dedup();
    assert_eq!(dates.len(), 1, "one Date for the messages of one run");
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids.len(),
        owners.len(),
        "each message has its own Message-ID"
    );

    // Martin Feld left: he gets nothing, his manager gets his item and is told why.
    assert!(owners.iter().all(|o| o["name"] != "Martin Feld"));
    let helen = messages
        .iter()
        .find(|m| m["to"] == serde_json::json!(["helen.brooks@example.com"]))
        .unwrap();
    for kind in ["text/plain", "text/html"] {
        let text = text_part(helen, kind);
        assert!(
            text.contains(
                "Martin Feld left on 2026-03-31: their items go to the nearest manager still here."
            ),
            "{text}"
        );
        assert!(text.contains("EXC-012"), "{text}");
    }

    // The .eml files of --outbox, made at the same time (SOURCE_DATE_EPOCH), hold the very
    // messages the server got, byte for byte: the end of the data adds no line.
    let outbox = tempfile::tempdir().unwrap();
    let out = notify(
        hb.path(),
        &["--outbox", outbox.path().to_str().unwrap()],
        &[("SOURCE_DATE_EPOCH", &dates[0].to_string())],
    );
    assert_code(&out, 0);
    let written: Vec<PathBuf> = owners
        .iter()
        .map(|o| outbox.path().join(format!("{}.eml", email(o))))
        .collect();
    // The messages, and the marker that says notify wrote the folder.
    assert_eq!(
        fs::read_dir(outbox.path()).unwrap().count(),
        owners.len() + 1
    );
    for (eml, message) in written.iter().zip(parse(&written)) {
        let sent = received
            .iter()
            .position(|(meta, _)| meta["rcpt_tos"] == message["to"])
            .unwrap();
        let written = fs::read(eml).unwrap();
        let got = fs::read(&received[sent].1).unwrap();
        assert!(
            written == got,
            "{} is not the message sent:\n{}\n---\n{}",
            eml.display(),
            String::from_utf8_lossy(&written),
            String::from_utf8_lossy(&got)
        );
    }
}

#[test]
fn a_rejected_recipient_and_a_dropped_connection_fail_alone() {
    let Some(server) = Server::start(&[
        "--reject",
        "jun.park@example.com",
        "--drop",
        "laura.schmidt@example.com",
    ]) else {
        return;
    };
    let hb = handbook("");
    let owners = report(hb.path());
    let out = notify(hb.path(), &["--smtp", &server.url("smtp")], &[]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains(
            "not sent to jun.park@example.com: the server did not take the message: the \
             server replied 550 5.1.1 <jun.park@example.com>: no such mailbox here"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "not sent to laura.schmidt@example.com: the server did not take the message: the \
             server closed the connection before it replied"
        ),
        "{err}"
    );
    // On standard error, as when all were sent.
    assert!(
        err.contains(&format!(
            "sent {} of {} message(s)",
            owners.len() - 2,
            owners.len()
        )),
        "{err}"
    );
    let mut got: Vec<String> = server
        .received()
        .iter()
        .map(|(meta, _)| meta["rcpt_tos"][0].as_str().unwrap().to_string())
        .collect();
    got.sort();
    let mut others: Vec<String> = owners
        .iter()
        .map(|o| email(o).to_string())
        .filter(|e| e != "jun.park@example.com" && e != "laura.schmidt@example.com")
        .collect();
    others.sort();
    assert_eq!(got, others, "everyone else still gets their message");
}

/// A server that takes so many messages a session, then answers 421 and closes the
/// connection (as many providers do), loses no message: the one it turned away is sent
/// again on a new connection, and the rest follow there.
#[test]
fn a_server_that_ends_the_session_after_some_messages_gets_them_all() {
    let Some(server) = Server::start(&["--per-session", "2"]) else {
        return;
    };
    let hb = handbook("");
    let owners = report(hb.path());
    assert!(owners.len() > 4, "{}", owners.len());
    let out = notify(hb.path(), &["--smtp", &server.url("smtp")], &[]);
    assert_code(&out, 0);
    let all = owners.len();
    assert!(
        stderr(&out).contains(&format!("sent {all} of {all} message(s)")),
        "{}",
        describe(&out)
    );
    assert_eq!(server.received().len(), all);
}

#[test]
fn starttls_and_implicit_tls_with_a_login_from_the_environment() {
    let pki = pki();
    let login = format!("notify-bot:{PASSWORD}");
    let env = [
        ("SECBOOK_SMTP_USERNAME", "notify-bot"),
        ("SECBOOK_SMTP_PASSWORD", PASSWORD),
        ("SECBOOK_SMTP_CA_FILE", pki.ca.to_str().unwrap()),
    ];
    let hb = handbook("");
    for (mode, scheme) in [("starttls", "smtp"), ("implicit", "smtps")] {
        let mut args = tls_args(mode, &pki);
        args.extend(["--login", &login]);
        let Some(server) = Server::start(&args) else {
            return;
        };
        let out = notify(
            hb.path(),
            &[
                "--smtp",
                &server.url(scheme),
                "--owner",
                "Helen.Brooks@example.com",
            ],
            &env,
        );
        assert_code(&out, 0);
        assert!(!describe(&out).contains(PASSWORD));
        let received = server.received();
        assert_eq!(received.len(), 1, "{mode}: only Helen's message");
        let (meta, _) = &received[0];
        assert_eq!(
            meta["rcpt_tos"],
            serde_json::json!(["helen.brooks@example.com"])
        );
        assert_eq!(meta["tls"], true, "{mode}");
        assert_eq!(meta["login"], "notify-bot", "{mode}");
    }
}

#[test]
fn a_refused_login_is_reported_and_the_password_is_not() {
    let pki = pki();
    let mut args = tls_args("starttls", &pki);
    args.push("--refuse-login");
    let Some(server) = Server::start(&args) else {
        return;
    };
    let hb = handbook("");
    let owners = report(hb.path());
    let out = notify(
        hb.path(),
        &["--smtp", &server.url("smtp")],
        &[
            ("SECBOOK_SMTP_USERNAME", "notify-bot"),
            ("SECBOOK_SMTP_PASSWORD", PASSWORD),
            ("SECBOOK_SMTP_CA_FILE", pki.ca.to_str().unwrap()),
        ],
    );
    assert_code(&out, 1);
    let err = stderr(&out);
    let refused = format!(
        "{} refused the login: the server replied 535",
        server.url("smtp")
    );
    assert!(err.contains(&refused), "{err}");
    assert!(!describe(&out).contains(PASSWORD), "{}", describe(&out));
    for owner in &owners {
        assert!(
            err.contains(&format!("not sent to {}: ", email(owner))),
            "{err}"
        );
    }
    assert!(server.received().is_empty());
}

#[test]
fn a_certificate_no_trusted_authority_signed_is_refused() {
    let pki = pki();
    let Some(server) = Server::start(&tls_args("starttls", &pki)) else {
        return;
    };
    let hb = handbook("");
    let other = self::pki();
    for env in [
        vec![],
        vec![("SECBOOK_SMTP_CA_FILE", other.ca.to_str().unwrap())],
    ] {
        let out = notify(hb.path(), &["--smtp", &server.url("smtp")], &env);
        assert_code(&out, 1);
        let err = stderr(&out);
        assert!(
            err.contains(&format!("STARTTLS with {} failed", server.url("smtp"))),
            "{err}"
        );
        // Unknown to this machine, or signed by another of the name of the one named.
        let why = match env.is_empty() {
            true => "is signed by an authority this machine does not trust",
            false => "is not signed by the authority of its issuer's name in SECBOOK_SMTP_CA_FILE",
        };
        assert!(
            err.contains(&format!("the server's certificate {why}")),
            "{err}"
        );
        assert!(
            err.contains(
                "name the PEM file of the authority that signed it in SECBOOK_SMTP_CA_FILE"
            ),
            "{err}"
        );
    }
    assert!(server.received().is_empty(), "nothing goes unencrypted");
}

/// A relay's certificate that signed itself the way `openssl req -x509` makes one, marked
/// as an authority's (CA:TRUE): TLS takes no such certificate as a server's own, even
/// named in SECBOOK_SMTP_CA_FILE, and the error says so and how to reissue it, where it
/// gave rustls's name for it and the hint to name the file it named already.
#[test]
fn a_server_certificate_marked_as_an_authoritys_is_told_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    fs::write(&cert_path, cert.pem()).unwrap();
    fs::write(&key_path, key.serialize_pem()).unwrap();
    let args = [
        "--tls",
        "starttls",
        "--cert",
        cert_path.to_str().unwrap(),
        "--key",
        key_path.to_str().unwrap(),
    ];
    let Some(server) = Server::start(&args) else {
        return;
    };
    let hb = handbook("");
    let env = vec![("SECBOOK_SMTP_CA_FILE", cert_path.to_str().unwrap())];
    let out = notify(hb.path(), &["--smtp", &server.url("smtp")], &env);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains(
            "the server's certificate is marked as a certificate authority's (CA:TRUE), which \
             TLS does not take as a server's own, even named in SECBOOK_SMTP_CA_FILE; reissue \
             it as a server's"
        ),
        "{err}"
    );
    assert!(
        !err.contains("CaUsedAsEndEntity") && !err.contains("Connection error"),
        "{err}"
    );
    assert!(server.received().is_empty(), "nothing goes unencrypted");
}

#[test]
fn a_dead_or_silent_server_ends_the_run_with_an_error() {
    let hb = handbook("  timeout_seconds: 1\n");
    let owners = report(hb.path());
    let dead = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let out = notify(
        hb.path(),
        &["--smtp", &format!("smtp://127.0.0.1:{port}")],
        &[],
    );
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "not sent to {}: could not connect to smtp://127.0.0.1:{port}: ",
            email(&owners[0])
        )),
        "{err}"
    );
    assert!(err.contains("refused"), "{err}");
    assert_not_tried(&err, &owners[1..], "could not connect");

    // Connects, and never says a word: the kernel takes the connection, nobody answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    for scheme in ["smtp", "smtps"] {
        let url = format!("{scheme}://127.0.0.1:{port}");
        let out = notify(hb.path(), &["--smtp", &url], &[]);
        assert_code(&out, 1);
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "not sent to {}: could not connect to {url}: no answer within 1 second",
                email(&owners[0])
            )),
            "{err}"
        );
    }
    drop(silent);
}

/// A server that greets, then never answers RCPT TO, or answers it a byte at a time and
/// never ends the line: the first message waits out `timeout_seconds` once, however the
/// bytes drip, and the messages after it are not tried, each reported, where each waited
/// twice the timeout and a dripping server held the run forever.
#[test]
fn a_server_that_stalls_at_a_message_holds_the_run_no_longer_than_the_timeout() {
    let hb = handbook("  timeout_seconds: 1\n");
    let owners = report(hb.path());
    for stall in ["silent", "drip"] {
        let Some(server) = Server::start(&["--stall", stall]) else {
            return;
        };
        let url = server.url("smtp");
        let started = Instant::now();
        let out = notify(hb.path(), &["--smtp", &url], &[]);
        let took = started.elapsed();
        assert_code(&out, 1);
        assert!(
            took < Duration::from_secs(5),
            "{stall}: the run took {took:?}"
        );
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "not sent to {}: no answer within 1 second, so whether the server took the \
                 message is not known: look in its log or the mailbox before sending it again",
                email(&owners[0])
            )),
            "{stall}: {err}"
        );
        assert_not_tried(
            &err,
            &owners[1..],
            &format!("{url} gave no answer within 1 second"),
        );
        assert!(server.received().is_empty());
    }
}

#[test]
fn dry_run_owner_and_outbox_send_nothing() {
    let hb = handbook("  smtp: smtp://127.0.0.1:9\n");
    let owners = report(hb.path());
    let out = notify(hb.path(), &["--dry-run"], &[]);
    assert_code(&out, 0);
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(stdout.lines().count(), owners.len(), "{stdout}");
    assert!(
        stdout.contains(
            "Helen Brooks <helen.brooks@example.com>: 4 items (EXC-001, EXC-003, EXC-012, \
             EXC-022)\n"
        ),
        "{stdout}"
    );
    assert!(
        stderr(&out).contains("nothing was sent"),
        "{}",
        describe(&out)
    );

    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().join("new");
    let dir_arg = dir.to_str().unwrap();
    let out = notify(
        hb.path(),
        &["--outbox", dir_arg, "--owner", "laura.SCHMIDT@example.com"],
        &[],
    );
    assert_code(&out, 0);
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    files.sort();
    assert_eq!(files, [".secbook-output", "laura.schmidt@example.com.eml"]);

    // Someone who left gets nothing, even asked for by name.
    let out = notify(
        hb.path(),
        &["--dry-run", "--owner", "martin.feld@example.com"],
        &[],
    );
    assert_code(&out, 0);
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("nothing needs action from martin.feld@example.com"),
        "{}",
        describe(&out)
    );
}

/// An outbox follows the output folder's rule (SPEC 8): notify writes into a folder that is
/// new, empty or its own (holding `.secbook-output`), and replaces it whole, so it holds
/// this run's messages only; any other folder, such as one with a draft written by hand,
/// is refused, its files untouched, unless `--force`.
#[test]
fn an_outbox_that_notify_did_not_write_is_refused() {
    let hb = handbook("");
    let tmp = tempfile::tempdir().unwrap();
    let outbox = tmp.path().join("outbox");
    fs::create_dir(&outbox).unwrap();
    let draft = outbox.join("jun.park@example.com.eml");
    fs::write(&draft, "my own draft\n").unwrap();
    let to = |extra: &[&str]| {
        let args = [&["--outbox", outbox.to_str().unwrap()][..], extra].concat();
        notify(hb.path(), &args, &[])
    };
    let out = to(&[]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("was not written by secbook"),
        "{}",
        describe(&out)
    );
    assert_eq!(fs::read_to_string(&draft).unwrap(), "my own draft\n");
    assert_eq!(fs::read_dir(&outbox).unwrap().count(), 1);
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "nothing beside it"
    );

    assert_code(&to(&["--force"]), 0);
    assert_ne!(fs::read_to_string(&draft).unwrap(), "my own draft\n");
    // Its own now: written again without --force, the messages of one owner only.
    assert_code(&to(&["--owner", "laura.schmidt@example.com"]), 0);
    let mut files: Vec<_> = fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    files.sort();
    assert_eq!(files, [".secbook-output", "laura.schmidt@example.com.eml"]);

    let file = tmp.path().join("a-file");
    fs::write(&file, "kept\n").unwrap();
    let out = notify(hb.path(), &["--outbox", file.to_str().unwrap()], &[]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("is not a folder"),
        "{}",
        describe(&out)
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), "kept\n");
    assert_code(&notify(hb.path(), &["--dry-run", "--force"], &[]), 2);
}

/// A message is dated when it is made (RFC 5322 3.6.1), not at the as-of date, which may
/// be weeks past; at SOURCE_DATE_EPOCH when it is set, so a reproducible run gives the
/// same bytes. Its Message-ID is the same either way: it derives from the handbook, the
/// as-of date, the recipient and what the message says, so a corrected message has its
/// own.
#[test]
fn a_message_is_dated_when_it_is_made_or_at_source_date_epoch() {
    let hb = handbook("");
    let tmp = tempfile::tempdir().unwrap();
    let outbox = tmp.path().join("outbox");
    let owner = ["--owner", "laura.schmidt@example.com"];
    let header = |name: &str| {
        let eml = fs::read_to_string(outbox.join("laura.schmidt@example.com.eml")).unwrap();
        let prefix = format!("{name}: ");
        let line = eml.lines().find_map(|l| l.strip_prefix(&prefix));
        line.unwrap_or_else(|| panic!("no {name} in\n{eml}"))
            .to_string()
    };
    let args = [&["--outbox", outbox.to_str().unwrap()][..], &owner].concat();
    let made_between = unix_now()..;
    assert_code(&notify(hb.path(), &args, &[]), 0);
    let made_between = made_between.start..=unix_now();
    let date = header("Date");
    assert!(made_between.contains(&unix(&date)), "{date}: not now");
    let id = header("Message-ID");

    let epoch = [("SOURCE_DATE_EPOCH", common::SOURCE_DATE_EPOCH)];
    assert_code(&notify(hb.path(), &args, &epoch), 0);
    assert_eq!(header("Date"), "Tue, 30 Jun 2026 12:00:00 +0000");
    assert_eq!(header("Message-ID"), id);
    let record = hb.path().join("data/exceptions/EXC-005.yaml");
    let text = fs::read_to_string(&record).unwrap();
    fs::write(&record, text.replacen("title: ", "title: Corrected ", 1)).unwrap();
    assert_code(&notify(hb.path(), &args, &epoch), 0);
    assert_ne!(
        header("Message-ID"),
        id,
        "a corrected message keeps the id of the first"
    );

    // Before 1970 or after 9999, which no Date can say: told, not a panic.
    for epoch in ["-1", "253402300800"] {
        let out = notify(hb.path(), &args, &[("SOURCE_DATE_EPOCH", epoch)]);
        assert_code(&out, 2);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("is not a time a mail's Date can say"), "{err}");
    }
}

/// A fallback written as an address alone is named as data/people.yaml names it, as a
/// record's person is; one that file does not name is written to by its address, with no
/// name that repeats it.
#[test]
fn a_fallback_written_as_an_address_is_named_by_people_yaml() {
    let hb = handbook("");
    let edit = |file: &str, from: &str, to: &str| {
        let path = hb.path().join(file);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file}: {from}");
        fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    edit(
        "handbook.yaml",
        "  fallback: \"Security Team <security@example.com>\"",
        "  fallback: fallback@example.com",
    );
    // Martin Feld left with no manager: his items go to the fallback.
    edit(
        "data/people.yaml",
        "  manager: Helen Brooks\n  departed: 2026-03-31",
        "  departed: 2026-03-31",
    );
    let message = || {
        let (outbox, _) = to_outbox(hb.path());
        fs::read_to_string(outbox.path().join("fallback@example.com.eml")).unwrap()
    };
    let eml = message();
    assert!(eml.contains("\r\nTo: fallback@example.com\r\n"), "{eml}");
    let people = hb.path().join("data/people.yaml");
    let text = fs::read_to_string(&people).unwrap();
    fs::write(
        &people,
        format!("{text}- name: Fall Back\n  email: fallback@example.com\n"),
    )
    .unwrap();
    let eml = message();
    assert!(
        eml.contains("\r\nTo: \"Fall Back\" <fallback@example.com>\r\n"),
        "{eml}"
    );
    assert!(eml.contains("Hello Fall Back,"), "{eml}");
}

#[test]
fn record_text_is_escaped_in_the_html_part() {
    let hb = handbook("");
    let record = hb.path().join("data/exceptions/EXC-001.yaml");
    let text = fs::read_to_string(&record).unwrap().replacen(
        "title: Unpatched legacy ERP application servers expose finance data to known exploits\n",
        "title: \"<script>alert(1)</script><img src=https://evil.example/x.png> & ERP \\u202Efdp.exe\"\n",
        1,
    );
    fs::write(&record, text).unwrap();
    let outbox = tempfile::tempdir().unwrap();
    let out = notify(
        hb.path(),
        &[
            "--outbox",
            outbox.path().to_str().unwrap(),
            "--owner",
            "helen.brooks@example.com",
        ],
        &[],
    );
    assert_code(&out, 0);
    let messages = parse(&[outbox.path().join("helen.brooks@example.com.eml")]);
    let html = text_part(&messages[0], "text/html");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=https://evil.example/x.png&gt; &amp; ERP"),
        "{html}"
    );
    assert_eq!(messages[0]["remote"], serde_json::json!([]));
    let text = text_part(&messages[0], "text/plain");
    assert!(text.contains("<script>alert(1)</script>"), "{text}");
    // The right-to-left override is closed where the title ends, in both parts: the
    // record's tags and the link after it keep their order.
    assert!(text.contains("ERP \u{202e}fdp.exe\u{202c} ("), "{text}");
    assert!(html.contains("ERP \u{202e}fdp.exe\u{202c}<"), "{html}");
}

#[test]
fn notify_needs_its_settings_and_an_absolute_base_url() {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(tmp.path());
    let out = notify(tmp.path(), &["--dry-run"], &[]);
    assert_code(&out, 2);
    assert!(stderr(&out).contains("handbook.yaml has no `notify` settings"));

    let yaml = tmp.path().join("handbook.yaml");
    let text = fs::read_to_string(&yaml).unwrap();
    fs::write(
        &yaml,
        format!("{text}notify:\n  from: security@example.com\n  fallback: security@example.com\n"),
    )
    .unwrap();
    let out = notify(tmp.path(), &["--dry-run"], &[]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("needs an absolute base_url, and `/` is not absolute"),
        "{}",
        describe(&out)
    );
    let out = notify(
        tmp.path(),
        &["--dry-run", "--base-url", "https://x.org/#top"],
        &[],
    );
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("`https://x.org/#top` has a query (`?`) or a fragment (`#`)"),
        "{}",
        describe(&out)
    );
    let out = notify(tmp.path(), &["--dry-run", "--base-url", BASE], &[]);
    assert_code(&out, 0);

    // A bad setting is an error of the handbook, at its place, for every command.
    let line = text.lines().count() + 2;
    fs::write(
        &yaml,
        format!(
            "{text}notify:\n  from: security@example.com\n  smtp: smtp://bot:secret@mail.example.com\n  \
             fallback: security@example.com\n"
        ),
    )
    .unwrap();
    for command in ["notify", "check"] {
        let out = common::secbook(tmp.path(), &[command, "."]);
        assert_code(&out, 1);
        let err = stderr(&out);
        assert!(
            err.contains(&format!("handbook.yaml:{}:9", line + 1)),
            "{err}"
        );
        assert!(err.contains("SECBOOK_SMTP_USERNAME"), "{err}");
        // The line is shown, its password masked.
        assert!(
            err.contains("smtp: smtp://bot:******@mail.example.com"),
            "{err}"
        );
        assert!(!err.contains("secret"), "{err}");
    }
    // Nor is a password given on the command line repeated.
    let out = notify(
        tmp.path(),
        &["--dry-run", "--smtp", "smtp://bot:secret@mail.example.com"],
        &[],
    );
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("SECBOOK_SMTP_PASSWORD"),
        "{}",
        describe(&out)
    );
    assert!(!describe(&out).contains("secret"), "{}", describe(&out));
}

/// An owner's email that mail cannot be sent to, either no address at all or one lettre
/// cannot carry in a To header (a quoted local part), is a warning of `check` at its
/// place, and `notify` gives that owner's items to the fallback with the reason: none is
/// dropped.
#[test]
fn the_items_of_an_owner_mail_cannot_reach_go_to_the_fallback() {
    let hb = handbook("");
    let edit = |name: &str, from: &str, to: &str| {
        let path = hb.path().join("data/exceptions").join(name);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{name} holds {from}");
        fs::write(path, text.replacen(from, to, 1)).unwrap();
    };
    edit(
        "EXC-024.yaml",
        "risk_owner: \"Rachel Kim <rachel.kim@example.com>\"",
        "risk_owner: {name: Rachel Q, email: \"\\\"rachel kim\\\"@example.com\"}",
    );
    edit(
        "EXC-005.yaml",
        "risk_owner: \"Laura Schmidt <laura.schmidt@example.com>\"",
        "risk_owner: \"Laura S <laura at example.com>\"",
    );

    let out = common::secbook(hb.path(), &["check", "."]);
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    for (email, place) in [
        (
            "\"rachel kim\"@example.com",
            "data/exceptions/EXC-024.yaml:7:",
        ),
        ("laura at example.com", "data/exceptions/EXC-005.yaml:7:"),
    ] {
        let warning = format!("warning: `{email}` is not an email address");
        assert!(
            lines
                .windows(2)
                .any(|w| w[0] == warning && w[1].contains(place)),
            "{warning} at {place}:\n{err}"
        );
    }

    let (outbox, out) = to_outbox(hb.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l
                .contains("for Security Team <security@example.com>: 2 items (EXC-005, EXC-024)")),
        "{}",
        describe(&out)
    );
    let messages = parse(&[outbox.path().join("security@example.com.eml")]);
    let text = text_part(&messages[0], "text/plain");
    for why in [
        "Rachel Q's email `\"rachel kim\"@example.com` is not an address mail can be sent to: \
         their items go to the fallback address.",
        "Laura S's email `laura at example.com` is not an address mail can be sent to: their \
         items go to the fallback address.",
    ] {
        assert!(text.contains(why), "{why}\n{text}");
    }
}

/// A fallback who left by data/people.yaml gets no mail, as no one who left does: the
/// nearest of their managers still here gets what would go to them, and `notify` and
/// `report` warn of it.
#[test]
fn a_fallback_who_left_gets_no_mail() {
    let hb = handbook("");
    let people = hb.path().join("data/people.yaml");
    let text = fs::read_to_string(&people).unwrap();
    fs::write(
        &people,
        format!(
            "{text}- name: Security Team\n  email: security@example.com\n  \
             manager: Rachel Kim\n  departed: 2026-01-01\n"
        ),
    )
    .unwrap();
    let (outbox, out) = to_outbox(hb.path());
    let err = stderr(&out);
    assert!(
        err.contains(
            "notify.fallback in handbook.yaml is Security Team <security@example.com>, who \
             left on 2026-01-01"
        ) && err.contains("go to Rachel Kim <rachel.kim@example.com>"),
        "{}",
        describe(&out)
    );
    assert!(!outbox.path().join("security@example.com.eml").exists());
    let out = common::secbook(hb.path(), &["report", ".", "--as-of", AS_OF]);
    assert_code(&out, 0);
    assert!(
        stderr(&out).contains("who left on 2026-01-01"),
        "{}",
        describe(&out)
    );
}

/// A domain of letters beyond ASCII is sent to in its ASCII form (IDNA), which a server
/// that does not offer SMTPUTF8, as this one does not, takes: before, lettre refused to
/// send it at all.
#[test]
fn a_domain_beyond_ascii_is_sent_to_in_its_ascii_form() {
    let Some(server) = Server::start(&[]) else {
        return;
    };
    let hb = handbook("");
    let path = hb.path().join("data/exceptions/EXC-005.yaml");
    let text = fs::read_to_string(&path).unwrap();
    let owner = "risk_owner: \"Laura Schmidt <laura.schmidt@example.com>\"";
    assert!(text.contains(owner), "EXC-005's owner moved");
    let idn = "risk_owner: \"Laura Schmidt <laura@bücher.example>\"";
    fs::write(&path, text.replacen(owner, idn, 1)).unwrap();
    // The same mailbox, its domain written in ASCII, in another record: one recipient.
    let path = hb.path().join("data/exceptions/EXC-001.yaml");
    let text = fs::read_to_string(&path).unwrap();
    let owner = "risk_owner: \"Helen Brooks <helen.brooks@example.com>\"";
    assert!(text.contains(owner), "EXC-001's owner moved");
    let ascii = "risk_owner: \"Laura Schmidt <laura@xn--bcher-kva.example>\"";
    fs::write(&path, text.replacen(owner, ascii, 1)).unwrap();
    let out = notify(hb.path(), &["--smtp", &server.url("smtp")], &[]);
    assert_code(&out, 0);
    let received = server.received();
    let ascii = "laura@xn--bcher-kva.example";
    let mine: Vec<_> = (received.iter())
        .filter(|(meta, _)| meta["rcpt_tos"] == serde_json::json!([ascii]))
        .collect();
    assert_eq!(mine.len(), 1, "{}", describe(&out));
    let message = &parse(&[mine[0].1.clone()])[0];
    assert_eq!(message["to"], serde_json::json!([ascii]), "{message:#}");
    let text = text_part(message, "text/plain");
    assert!(
        text.contains("EXC-005") && text.contains("EXC-001"),
        "{text}"
    );
}

/// Names and a title of one long word, which no header can fold, are cut and end in "…":
/// no line of a message is longer than RFC 5322's 998 bytes, which servers refuse ("500
/// Line too long"), and the greeting keeps the name whole.
#[test]
fn long_names_make_no_line_longer_than_998_bytes() {
    let Some(server) = Server::start(&[]) else {
        return;
    };
    let hb = handbook("");
    let edit = |path: &str, from: &str, to: &str| {
        let path = hb.path().join(path);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{} holds {from}", path.display());
        fs::write(path, text.replacen(from, to, 1)).unwrap();
    };
    let long = "A".repeat(1000);
    edit(
        "data/exceptions/EXC-001.yaml",
        "risk_owner: \"Helen Brooks <helen.brooks@example.com>\"",
        &format!("risk_owner: \"{long} <long@example.com>\""),
    );
    // Escaped in a quoted string, each character takes two bytes.
    edit(
        "data/exceptions/EXC-005.yaml",
        "risk_owner: \"Laura Schmidt <laura.schmidt@example.com>\"",
        &format!(
            "risk_owner: {{name: '{}', email: quotes@example.com}}",
            "\"\\".repeat(500)
        ),
    );
    edit(
        "data/exceptions/EXC-024.yaml",
        "risk_owner: \"Rachel Kim <rachel.kim@example.com>\"",
        &format!("risk_owner: \"{} <accents@example.com>\"", "É".repeat(1000)),
    );
    // As long as a handbook's title may be.
    let title = "T".repeat(300);
    edit(
        "handbook.yaml",
        "title: Example Corp Security Handbook\n",
        &format!("title: {title}\n"),
    );
    edit("handbook.yaml", "Security Program <", &format!("{long} <"));

    let owners = report(hb.path());
    let out = notify(hb.path(), &["--smtp", &server.url("smtp")], &[]);
    assert_code(&out, 0);
    let files: Vec<PathBuf> = server.received().into_iter().map(|(_, f)| f).collect();
    assert_eq!(files.len(), owners.len(), "{}", describe(&out));
    let messages = parse(&files);
    for message in &messages {
        assert_eq!(message["long_lines"], serde_json::json!([]), "{message:#}");
        assert_eq!(message["defects"], serde_json::json!([]), "{message:#}");
        let subject = message["subject"].as_str().unwrap();
        assert!(
            subject.starts_with(&format!("{}…: ", &title[..199])),
            "{subject}"
        );
        // The cut name is encoded-words on several lines; Python's email package keeps the
        // space between encoded-words in a name, which RFC 2047 (6.2) says to drop.
        let from = message["from"].as_str().unwrap().replace(' ', "");
        assert_eq!(from, format!("{}…<security@example.com>", &long[..199]));
    }
    let to_long = messages
        .iter()
        .find(|m| m["to"] == serde_json::json!(["long@example.com"]))
        .unwrap();
    let text = text_part(to_long, "text/plain");
    assert!(text.starts_with(&format!("Hello {long},")), "{text}");
}
