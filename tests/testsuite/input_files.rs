//! How the handbook's folders are walked and its files read (issue 12), through the built
//! binary on handbooks in temporary folders: special files never block a build, no file
//! under data/ vanishes without a word, symbolic links are followed or refused clearly,
//! hidden files and raw HTML are not published, and text is read with a byte order mark
//! or refused at the line and column of its first byte that is not UTF-8.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use crate::common::{self, BookTest, assert_code, describe, files_below, secbook, stderr};

/// A copy of the fixture `name` (of tests/fixtures/) as `<tmp>/hb`.
fn handbook(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("hb");
    common::copy_dir(&common::fixture(name), &root);
    (tmp, root)
}

/// `secbook build hb -o out`, run in the folder that holds `root`.
fn build(root: &Path) -> Output {
    secbook(root.parent().unwrap(), &["build", "hb", "-o", "out"])
}

/// Writes `text` at `rel` below `root`, making its folder.
fn write(root: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// A symbolic link at `rel` below `root` to `target`.
fn link(root: &Path, rel: &str, target: impl AsRef<Path>) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    symlink(target, path).unwrap();
}

#[track_caller]
fn assert_reports(out: &Output, needle: &str) {
    assert!(
        stderr(out).contains(needle),
        "no {needle:?} in\n{}",
        describe(out)
    );
}

/// Builds `root` as [`build`] does, but kills the build when it has not finished within
/// a deadline, so that a build that blocks fails the test instead of hanging it.
fn build_within(root: &Path, deadline: Duration) -> Output {
    let errors = root.parent().unwrap().join("stderr.txt");
    let mut child = common::command()
        .args(["build", "hb", "-o", "out"])
        .current_dir(root.parent().unwrap())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(fs::File::create(&errors).unwrap())
        .spawn()
        .unwrap();
    let status = common::wait_within(
        &mut child,
        deadline,
        &format!("the build of {}", root.display()),
    );
    Output {
        status,
        stdout: Vec::new(),
        stderr: fs::read(&errors).unwrap(),
    }
}

#[test]
fn special_files_are_refused_before_anything_opens_them() {
    // Where the FIFO is, how the error names it. A build that opens one blocks forever.
    let cases = [
        ("content/pipe.md", "content/pipe.md"),
        ("content/runbooks/pipe.png", "content/runbooks/pipe.png"),
        ("static/files/pipe.txt", "static/files/pipe.txt"),
        (
            "data/exceptions/EXC-009.yaml",
            "data/exceptions/EXC-009.yaml",
        ),
        ("data/incidents/INC-009.yaml", "data/incidents/INC-009.yaml"),
        ("data/people.yaml", "data/people.yaml"),
        (
            "themes/default/templates/page.html",
            "themes/default/templates/page.html",
        ),
        (
            "themes/default/static/pipe.css",
            "themes/default/static/pipe.css",
        ),
    ];
    for (rel, named) in cases {
        let (_tmp, root) = handbook("valid/records");
        if rel == "data/people.yaml" {
            fs::remove_file(root.join(rel)).unwrap();
        }
        common::mkfifo(&root.join(rel));
        let out = build_within(&root, Duration::from_secs(30));
        assert_code(&out, 1);
        assert_reports(&out, &format!("{named} is a FIFO (named pipe)"));
    }
    // Through a link that stays inside the handbook, and a socket.
    let (_tmp, root) = handbook("valid/basic");
    common::mkfifo(&root.join("pipe"));
    link(&root, "content/linked.md", "../pipe");
    let out = build_within(&root, Duration::from_secs(30));
    assert_code(&out, 1);
    assert_reports(&out, "content/linked.md is a FIFO (named pipe)");

    let (_tmp, root) = handbook("valid/basic");
    let _socket = std::os::unix::net::UnixListener::bind(root.join("static/files/sock")).unwrap();
    let out = build_within(&root, Duration::from_secs(30));
    assert_code(&out, 1);
    assert_reports(&out, "static/files/sock is a socket");
}

#[test]
fn every_file_under_data_is_loaded_or_reported() {
    let record =
        fs::read_to_string(common::fixture("valid/records").join("data/exceptions/EXC-001.yaml"))
            .unwrap();
    let other = record.replace("id: EXC-001", "id: EXC-009");
    // (file, what the error says): each was dropped with exit status 0.
    let cases = [
        (
            "data/exceptions/old/EXC-009.yaml",
            "data/exceptions/old/EXC-009.yaml is not read: records are read from data/exceptions/ itself",
        ),
        (
            "data/exceptions/EXC-009.yml",
            "data/exceptions/EXC-009.yml is not read: a record's file name ends in .yaml",
        ),
        (
            "data/exceptions/EXC-009.YAML",
            "data/exceptions/EXC-009.YAML is not read: a record's file name ends in .yaml",
        ),
        (
            "data/incidents/notes.txt",
            "data/incidents/notes.txt is not read: a record's file name ends in .yaml",
        ),
        (
            "data/exception/EXC-009.yaml",
            "data/exception/EXC-009.yaml is not read: data/ holds only people.yaml, exceptions/ and incidents/",
        ),
    ];
    for (rel, needle) in cases {
        let (_tmp, root) = handbook("valid/records");
        write(&root, rel, &other);
        // A record that names it is not told it names nothing: what the file holds is
        // unknown, not absent.
        let incident = root.join("data/incidents/INC-002.yaml");
        let text = fs::read_to_string(&incident).unwrap();
        fs::write(&incident, text.replace("[EXC-001]", "[EXC-001, EXC-009]")).unwrap();
        let out = build(&root);
        assert_code(&out, 1);
        assert_reports(&out, needle);
        let told = stderr(&out).contains("related exception `EXC-009` does not exist");
        assert_eq!(told, !rel.contains("EXC-009"), "{}", describe(&out));
    }
    // Nor does a misnamed people.yaml leave each approver unknown.
    let (_tmp, root) = handbook("valid/records");
    fs::rename(root.join("data/people.yaml"), root.join("data/people.yml")).unwrap();
    let out = build(&root);
    assert_code(&out, 1);
    assert_reports(
        &out,
        "data/people.yml is not read: the directory of people is data/people.yaml",
    );
    assert!(stderr(&out).contains("\n1 error(s)"), "{}", describe(&out));

    // A link that stays inside is followed, so the record is loaded (and checked).
    let (_tmp, root) = handbook("valid/records");
    link(&root, "data/exceptions/EXC-009.yaml", "EXC-001.yaml");
    let out = build(&root);
    assert_code(&out, 1);
    assert_reports(&out, "data/exceptions/EXC-009.yaml");
    assert_reports(&out, "does not match the file name `EXC-009.yaml`");
    // One that leads outside is an error.
    let (tmp, root) = handbook("valid/records");
    write(tmp.path(), "elsewhere/EXC-009.yaml", &other);
    link(
        &root,
        "data/exceptions/EXC-009.yaml",
        tmp.path().join("elsewhere/EXC-009.yaml"),
    );
    let out = build(&root);
    assert_code(&out, 1);
    assert_reports(
        &out,
        "data/exceptions/EXC-009.yaml is a symbolic link that leads outside the handbook",
    );

    // Hidden files are a warning (a hidden record must not fail the build); git's own
    // files and an editor's swap file are not worth one.
    let (_tmp, root) = handbook("valid/records");
    write(&root, "data/exceptions/.EXC-001.yaml.swp", "swap");
    write(
        &root,
        "data/incidents/.archive/INC-009.yaml",
        "id: INC-009\n",
    );
    write(&root, "data/exceptions/.gitkeep", "");
    let out = build(&root);
    assert_code(&out, 0);
    assert_reports(&out, "warning: data/incidents/.archive is not read");
    for unsaid in [".gitkeep", ".swp"] {
        assert!(!stderr(&out).contains(unsaid), "{}", describe(&out));
    }
}

/// A folder named as a record file or data/people.yaml is, even an empty one, is told:
/// left out without a word, its records would vanish from the register, and
/// data/people.yaml's checks with it. What it holds is not told again.
#[test]
fn a_folder_named_as_a_data_file_is_an_error() {
    let (tmp, root) = handbook("valid/records");
    fs::remove_file(root.join("data/people.yaml")).ok();
    fs::create_dir_all(root.join("data/people.yaml")).unwrap();
    fs::create_dir_all(root.join("data/exceptions/EXC-099.yaml")).unwrap();
    write(&root, "data/exceptions/EXC-098.yaml/notes.txt", "mine\n");
    let out = build(&root);
    assert_code(&out, 1);
    for folder in [
        "data/people.yaml",
        "data/exceptions/EXC-099.yaml",
        "data/exceptions/EXC-098.yaml",
    ] {
        assert_reports(
            &out,
            &format!("{folder} is a folder, not a file; it is not read"),
        );
    }
    assert!(!stderr(&out).contains("notes.txt"), "{}", describe(&out));
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn symbolic_links_inside_content_are_followed_and_loops_are_errors() {
    // A folder link that stays inside publishes the folder a second time.
    let (tmp, root) = handbook("valid/basic");
    link(&root, "content/guides", "runbooks");
    link(&root, "static/contacts.txt", "files/contacts.txt");
    let out = build(&root);
    assert_code(&out, 0);
    let site = tmp.path().join("out");
    assert!(
        site.join("guides/triage/index.html").is_file(),
        "{}",
        describe(&out)
    );
    assert!(site.join("runbooks/triage/index.html").is_file());
    assert!(site.join("contacts.txt").is_file());

    // (link, its target, what the error says)
    let cases = [
        (
            "content/runbooks/loop",
            "..",
            "content/runbooks/loop is a symbolic link loop: it leads to content/, which holds the link",
        ),
        (
            "content/runbooks/self",
            ".",
            "content/runbooks/self is a symbolic link loop: it leads to content/runbooks/",
        ),
        (
            "content/everything",
            "..",
            "content/everything is a symbolic link loop: it leads to the handbook's folder",
        ),
        ("content/a", "b", "content/a is a symbolic link loop"),
        (
            "content/gone.md",
            "nothing.md",
            "content/gone.md is a symbolic link to nothing",
        ),
        (
            "content/config.txt",
            "../.git/config",
            "content/config.txt is a symbolic link to .git/config, a hidden file or folder",
        ),
    ];
    for (rel, target, needle) in cases {
        let (tmp, root) = handbook("valid/basic");
        write(
            &root,
            ".git/config",
            "[http] extraheader = AUTHORIZATION: basic c2VjcmV0",
        );
        if rel == "content/a" {
            link(&root, "content/b", "a");
        }
        link(&root, rel, target);
        let out = build(&root);
        assert_code(&out, 1);
        assert_reports(&out, needle);
        assert!(!tmp.path().join("out").exists());
    }

    // A loop inside a folder that another link publishes again is told once, where it is.
    let (_tmp, root) = handbook("valid/basic");
    link(&root, "content/runbooks/loop", "..");
    link(&root, "content/guides", "runbooks");
    let out = build(&root);
    assert_code(&out, 1);
    let said = stderr(&out);
    assert_eq!(said.matches("is a symbolic link loop").count(), 1, "{said}");
    assert_reports(&out, "content/runbooks/loop is a symbolic link loop");

    // Folder links are followed one deep, so that links cannot multiply the pages.
    let (_tmp, root) = handbook("valid/basic");
    write(
        &root,
        "content/extra/page.md",
        "---\ntitle: Extra\n---\nx\n",
    );
    link(&root, "content/runbooks/extra", "../extra");
    link(&root, "content/guides", "runbooks");
    let out = build(&root);
    assert_code(&out, 1);
    assert_reports(
        &out,
        "content/guides/extra is a symbolic link to a folder, inside a folder reached through a link",
    );
}

/// Hidden files of content/ and themes are not published; static/ is copied whole, as Hugo
/// and Zola copy it, but for version control, scratch files and files that hold secrets.
#[test]
fn hidden_files_and_folders_are_not_published() {
    let (tmp, root) = handbook("valid/basic");
    let page = "---\ntitle: Secret plan\n---\nThe secret plan.\n";
    write(&root, "content/.env", "TOKEN=secret");
    write(&root, "content/.htpasswd", "admin:secret");
    write(&root, "content/runbooks/.triage.md.swp", "swap");
    write(&root, "content/.drafts/plan.md", page);
    write(&root, "content/.drafts/plan.png", "png");
    write(&root, "static/.env", "TOKEN=secret");
    write(&root, "static/files/.env.production", "TOKEN=secret");
    write(&root, "static/files/.htpasswd", "admin:secret");
    write(&root, "static/files/.Htpasswd", "admin:secret");
    write(&root, "static/.ENV", "TOKEN=secret");
    write(&root, "static/.env~", "TOKEN=secret");
    write(&root, "static/.GIT/config", "[core]");
    write(&root, "static/files/.DS_Store", "ds");
    write(&root, "static/files/.notes.txt.swp", "swap");
    write(&root, "static/.git/config", "[core]");
    write(&root, "static/files/.gitkeep", "");
    write(
        &root,
        "static/.well-known/security.txt",
        "Contact: mailto:security@example.com\n",
    );
    write(&root, "static/.well-known/.hidden", "x");
    write(&root, "static/.htaccess", "ErrorDocument 404 /404.html\n");
    write(&root, "static/.nojekyll", "");
    // A theme's hidden file is not a template: this one would not parse.
    write(
        &root,
        "themes/default/templates/.page.html.swp",
        "{{ broken",
    );
    let out = build(&root);
    assert_code(&out, 0);
    let site = files_below(&tmp.path().join("out"));
    for path in site.keys() {
        for hidden in [".env", ".htpasswd", ".swp", ".drafts", ".ds_store", ".git"] {
            let lower = path.to_ascii_lowercase();
            assert!(!lower.contains(hidden), "{path} is published");
        }
    }
    for (path, bytes) in &site {
        assert!(
            !String::from_utf8_lossy(bytes).contains("ecret plan"),
            "{path} holds the hidden page"
        );
    }
    for kept in [
        ".well-known/security.txt",
        ".well-known/.hidden",
        ".htaccess",
        ".nojekyll",
    ] {
        assert!(site.contains_key(kept), "{kept} is not published");
    }
    // Each file that holds secrets is told, and nothing else hidden is.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let secrets = [
        "static/.ENV",
        "static/.env",
        "static/.env~",
        "static/files/.Htpasswd",
        "static/files/.env.production",
        "static/files/.htpasswd",
    ];
    for secret in secrets {
        let told = format!("{secret} is not published: files named so hold secrets");
        assert!(stderr.contains(&told), "{stderr}");
    }
    assert_eq!(
        stderr.matches("is not published").count(),
        secrets.len(),
        "{stderr}"
    );
}

/// What editors, systems and merge tools leave beside a handbook's files is no part of the
/// site or the register, and a copy of a page by another name does not publish the page's
/// source: a draft's, here, which the site leaves out.
#[test]
fn leftovers_of_editors_and_systems_are_left_out() {
    let (tmp, root) = handbook("valid/basic");
    let page = "---\ntitle: Secret plan\ndraft: true\n---\nThe secret plan.\n";
    write(&root, "content/plan.md", page);
    let leftovers = [
        "content/plan.md~",
        "content/#plan.md#",
        "content/._plan.md",
        "content/runbooks/Thumbs.db",
        "content/desktop.ini",
        "static/files/logo.png~",
        "static/files/Thumbs.db",
        "static/desktop.ini",
        "static/._logo.png",
        "data/exceptions/EXC-001.yaml~",
        "data/exceptions/#EXC-001.yaml#",
        "data/exceptions/._EXC-001.yaml",
        "data/Thumbs.db",
        "data/desktop.ini",
    ];
    for name in leftovers {
        write(&root, name, page);
    }
    // Copies of a page by any name, told by what they hold; a picture whose name holds
    // `.md.` is no copy.
    for copy in [
        "content/plan.md.bak",
        "content/runbooks/plan.md.orig",
        "content/plan.md-",
    ] {
        write(&root, copy, page);
    }
    write(&root, "content/diagram.md.png", "\u{89}PNG\r\n");
    // Nor is a YAML file that opens with `---`, with no page's title.
    write(
        &root,
        "content/template.yaml",
        "---\nname: x\n---\nname: y\n",
    );
    let out = build(&root);
    assert_code(&out, 0);
    assert!(tmp.path().join("out/diagram.md.png").exists());
    assert!(tmp.path().join("out/template.yaml").exists());
    for (path, bytes) in files_below(&tmp.path().join("out")) {
        let lower = path.to_ascii_lowercase();
        for name in ["thumbs.db", "desktop.ini", "~", "#", "._", "plan"] {
            assert!(!lower.contains(name), "{path} is published");
        }
        assert!(
            !String::from_utf8_lossy(&bytes).contains("ecret plan"),
            "{path} holds the draft"
        );
    }
    // The copies of a page are told; the leftovers are not.
    for copy in [
        "content/plan.md.bak",
        "content/runbooks/plan.md.orig",
        "content/plan.md-",
    ] {
        assert_reports(
            &out,
            &format!("warning: {copy} is not published: it opens with a page's front matter"),
        );
    }
    let stderr = stderr(&out);
    assert_eq!(stderr.matches("is not published").count(), 3, "{stderr}");
    for unsaid in ["Thumbs", "desktop", "~", "#plan", "._"] {
        assert!(!stderr.contains(unsaid), "{stderr}");
    }
}

/// A link to a file left out of the site, with a warning, is an error at the link: it
/// would lead nowhere, and the build that left it out would pass.
#[test]
fn a_link_to_a_file_left_out_is_an_error() {
    let (_tmp, root) = handbook("valid/basic");
    write(&root, "content/old.md.bak", "---\ntitle: Old\n---\nOld.\n");
    write(
        &root,
        "content/arch.md",
        "---\ntitle: Arch\n---\n[old](old.md.bak)\n",
    );
    let out = build(&root);
    assert_code(&out, 1);
    assert_reports(&out, "error: link to `old.md.bak`");
    assert_reports(&out, "content/arch.md:4:1");
}

/// A Markdown file by another extension is not a page, and not published as its source.
#[test]
fn markdown_by_another_extension_is_refused() {
    let (_tmp, root) = handbook("valid/basic");
    let page = "---\ntitle: Plan\n---\nThe plan.\n";
    write(&root, "content/Plan.MD", page);
    write(&root, "content/runbooks/notes.markdown", page);
    for other in ["content/plan.mdx", "content/plan.Rmd", "content/plan.qmd"] {
        write(&root, other, page);
    }
    let out = build(&root);
    assert_code(&out, 1);
    for other in ["content/plan.mdx", "content/plan.Rmd", "content/plan.qmd"] {
        assert_reports(&out, &format!("error: {other} is not a page"));
    }
    assert_reports(
        &out,
        "error: content/Plan.MD is not a page: only a file whose name ends in `.md` is one",
    );
    assert_reports(&out, "help: rename it to `Plan.md`");
    assert_reports(&out, "error: content/runbooks/notes.markdown is not a page");
    assert_reports(&out, "help: rename it to `notes.md`");
}

#[test]
fn raw_html_beside_pages_is_refused_unless_allowed() {
    for rel in [
        "content/runbooks/diagram.svg",
        "content/page.html",
        "content/old.HTM",
        "content/x.xhtml",
        "content/feed.xml",
        "content/icon.svgz",
    ] {
        let (tmp, root) = handbook("valid/basic");
        write(
            &root,
            rel,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
        );
        let out = build(&root);
        assert_code(&out, 1);
        assert_reports(
            &out,
            &format!("{rel} is not published: raw HTML is not allowed"),
        );
        assert_reports(&out, "allow_html: true");
        assert!(!tmp.path().join("out").exists());
    }
    // A page that shows the file is not blamed for it a second time.
    let (_tmp, root) = handbook("valid/basic");
    write(&root, "content/runbooks/diagram.svg", "<svg/>");
    let triage = fs::read_to_string(root.join("content/runbooks/triage.md")).unwrap();
    write(
        &root,
        "content/runbooks/triage.md",
        format!("{triage}\n![Diagram](diagram.svg)\n"),
    );
    let out = build(&root);
    assert_code(&out, 1);
    assert_reports(&out, "content/runbooks/diagram.svg is not published");
    assert!(
        !stderr(&out).contains("does not exist"),
        "{}",
        describe(&out)
    );

    // Allowed, it is published; static/ is copied as it is either way.
    let (tmp, root) = handbook("valid/basic");
    write(&root, "content/runbooks/diagram.svg", "<svg/>");
    write(&root, "static/logo.svg", "<svg/>");
    let out = build(&root);
    assert_code(&out, 1);
    assert!(!stderr(&out).contains("logo.svg"), "{}", describe(&out));
    let config = fs::read_to_string(root.join("handbook.yaml")).unwrap();
    write(
        &root,
        "handbook.yaml",
        format!("{config}markdown:\n  allow_html: true\n"),
    );
    let out = build(&root);
    assert_code(&out, 0);
    assert!(tmp.path().join("out/runbooks/diagram.svg").is_file());
    assert!(tmp.path().join("out/logo.svg").is_file());
}

#[test]
fn a_byte_order_mark_is_accepted_everywhere() {
    const BOM: &str = "\u{feff}";
    let (tmp, root) = handbook("valid/records");
    for rel in [
        "handbook.yaml",
        "content/runbook.md",
        "data/people.yaml",
        "data/exceptions/EXC-001.yaml",
        "data/incidents/INC-001.yaml",
    ] {
        let text = fs::read_to_string(root.join(rel)).unwrap();
        write(&root, rel, format!("{BOM}{text}"));
    }
    let out = build(&root);
    assert_code(&out, 0);
    assert!(
        tmp.path()
            .join("out/exceptions/EXC-001/index.html")
            .is_file()
    );

    // Places after the mark are where an editor shows them.
    let (_tmp, root) = handbook("valid/records");
    let record = fs::read_to_string(root.join("data/exceptions/EXC-001.yaml")).unwrap();
    let record = record.replacen("title:", "titel:", 1);
    write(
        &root,
        "data/exceptions/EXC-001.yaml",
        format!("{BOM}{record}"),
    );
    write(
        &root,
        "content/bom.md",
        format!("{BOM}---\ntitle: T\nwieght: 1\n---\nx\n"),
    );
    let out = build(&root);
    assert_code(&out, 1);
    assert_reports(&out, "data/exceptions/EXC-001.yaml:2:1");
    assert_reports(&out, "content/bom.md:3:1");
}

#[test]
fn text_that_is_not_utf8_is_refused_at_its_line_and_column() {
    let (_tmp, root) = handbook("valid/records");
    write(
        &root,
        "content/latin1.md",
        b"---\ntitle: T\n---\nfirst\ncaf\xe9 au lait\n",
    );
    let record = fs::read(root.join("data/exceptions/EXC-002.yaml")).unwrap();
    let mut bad = b"# r\xc3".to_vec();
    bad.push(b'\n');
    bad.extend(record);
    write(&root, "data/exceptions/EXC-002.yaml", bad);
    let out = build(&root);
    assert_code(&out, 1);
    assert_reports(
        &out,
        "cannot read content/latin1.md: it is not UTF-8 text (byte 0xE9",
    );
    assert_reports(&out, "content/latin1.md:5:4");
    // The line is shown, its bad byte replaced.
    assert_reports(&out, "caf\u{fffd} au lait");
    assert_reports(&out, "data/exceptions/EXC-002.yaml:1:4");
}

#[test]
fn a_file_name_that_is_not_utf8_is_refused() {
    // It cannot become a path of the site.
    let (_tmp, root) = handbook("valid/basic");
    let name = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"caf\xe9.md");
    write(&root, "content/x.md", "");
    fs::rename(root.join("content/x.md"), root.join("content").join(name)).unwrap();
    let out = build(&root);
    assert_code(&out, 1);
    assert_reports(
        &out,
        "content/caf\\xe9.md is not read: its name is not UTF-8",
    );
}

/// A line break in a name would end the line of its report, and what follows could be
/// read by a CI log as a command (`::error file=…`), a control character act on a
/// terminal: such a file is refused, named with each of them written as its code point.
#[test]
fn a_file_name_with_a_line_break_is_refused_and_cannot_forge_a_report() {
    let (_tmp, root) = handbook("valid/basic");
    for name in [
        "x\n::error file=README.md,line=1::Forged\n.md",
        "y\u{2028}z.md",
        "\u{1b}[2Jw.md",
    ] {
        write(
            &root,
            &format!("content/{name}"),
            "---\ntitle: T\ntitel: x\n---\n",
        );
    }
    let out = build(&root);
    assert_code(&out, 1);
    for shown in [
        "content/x\\u{a}::error file=README.md,line=1::Forged\\u{a}.md is not read: its name \
         holds a control character or a line break",
        "content/y\\u{2028}z.md is not read",
        "content/\\u{1b}[2Jw.md is not read",
    ] {
        assert_reports(&out, shown);
    }
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.lines().any(|l| l.starts_with("::")), "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains("titel"), "{err}");
}

#[test]
fn a_rebuild_sees_a_change_to_a_page_reached_through_a_link() {
    use secbook::load::theme::Body;
    use secbook::pipeline::{self, Cache, Options};

    let (_tmp, root) = handbook("valid/basic");
    link(&root, "content/guides", "runbooks");
    // Settled files, as in a handbook edited a while ago: `serve` trusts the watcher for them.
    let long_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    for rel in ["content/runbooks/triage.md", "content/guides/triage.md"] {
        let file = fs::File::options()
            .append(true)
            .open(root.join(rel))
            .unwrap();
        file.set_modified(long_ago).unwrap();
    }
    let options = Options {
        root: root.clone(),
        ..Options::default()
    };
    let page = |generated: &pipeline::Generated, path: &str| {
        let file = generated.files.iter().find(|f| f.path == path).unwrap();
        match &file.body {
            Body::Bytes(bytes) => String::from_utf8(bytes.to_vec()).unwrap(),
            Body::Copy(from) => fs::read_to_string(&from.path).unwrap(),
            Body::Parts(parts) => String::from_utf8(parts.concat()).unwrap(),
        }
    };
    let mut cache = Cache::default();
    pipeline::generate_cached(&options, &mut cache).unwrap();
    let triage = root.join("content/runbooks/triage.md");
    let text = fs::read_to_string(&triage).unwrap();
    fs::write(&triage, format!("{text}\nA new step.\n")).unwrap();
    // The watcher reports the file at the place the link leads to.
    cache.changed([triage].into_iter().collect());
    let rebuilt = pipeline::generate_cached(&options, &mut cache).unwrap();
    assert!(page(&rebuilt, "runbooks/triage/index.html").contains("A new step."));
    assert!(page(&rebuilt, "guides/triage/index.html").contains("A new step."));
}

/// A file beside the pages is linked by its own name, however its path in the site spells
/// it (letters beyond ASCII in ASCII, a blank as `-`, its folder as the pages' folder), and
/// pages named in other scripts each get a folder of their own, as Zola writes them.
#[test]
fn files_and_pages_are_named_by_their_own_names() {
    let (tmp, root) = handbook("valid/basic");
    write(&root, "content/Anhänge/Übersicht.png", "png");
    write(&root, "content/Anhänge/my diagram (v2).png", "png");
    write(&root, "content/Anhänge/中文.png", "png");
    write(
        &root,
        "content/Anhänge/Größen.md",
        "---\ntitle: Größen\n---\n![a](Übersicht.png) ![b](<my diagram (v2).png>) \
         ![c](my%20diagram%20%28v2%29.png) ![d](中文.png)\n",
    );
    write(&root, "content/日本語.md", "---\ntitle: 日本語\n---\n");
    write(
        &root,
        "content/中文.md",
        "---\ntitle: 中文\n---\n[b](Anhänge/Größen.md)\n",
    );
    let out = build(&root);
    assert_code(&out, 0);
    let site = files_below(&tmp.path().join("out"));
    for path in [
        "anhange/ubersicht.png",
        "anhange/my-diagram-v2.png",
        "anhange/zhong-wen.png",
        "ri-ben-yu/index.html",
        "zhong-wen/index.html",
    ] {
        assert!(site.contains_key(path), "no {path} in {:?}", site.keys());
    }
    let page = String::from_utf8(site["anhange/grossen/index.html"].clone()).unwrap();
    for img in [
        "<img src=\"../../anhange/ubersicht.png\" alt=\"a\" />",
        "<img src=\"../../anhange/my-diagram-v2.png\" alt=\"b\" />",
        "<img src=\"../../anhange/my-diagram-v2.png\" alt=\"c\" />",
        "<img src=\"../../anhange/zhong-wen.png\" alt=\"d\" />",
    ] {
        assert!(page.contains(img), "lacks {img}: {page}");
    }
    let chinese = String::from_utf8(site["zhong-wen/index.html"].clone()).unwrap();
    assert!(
        chinese.contains("<a href=\"../anhange/grossen/index.html\">b</a>"),
        "{chinese}"
    );
}

/// `tags: #security`: what follows the key is a comment to YAML, so the field is read as
/// not written. In every kind of YAML file the comment is told where it is, with the
/// quotes to write; a comment written as one (`# ...`) is not. Where the field must have a
/// value, its error says so once, with the same hint.
#[test]
fn a_comment_where_a_value_was_meant_is_told() {
    let (_tmp, root) = handbook("valid/records");
    let edit = |rel: &str, from: &str, to: &str| {
        let text = fs::read_to_string(root.join(rel)).unwrap();
        assert!(text.contains(from), "{rel}: {from}");
        write(&root, rel, text.replacen(from, to, 1));
    };
    edit(
        "data/exceptions/EXC-001.yaml",
        "tags: [patching]",
        "tags: #patching",
    );
    edit(
        "content/runbook.md",
        "description: What to do first.",
        "description: #first-steps",
    );
    edit(
        "data/exceptions/EXC-001.yaml",
        "assets: [payroll-01, payroll-02]",
        "assets: # none yet",
    );
    edit("handbook.yaml", "as_of: 2026-06-30", "as_of: #2026-06-30");
    let out = build(&root);
    assert_code(&out, 0);
    let report = stderr(&out);
    for (place, line, comment, path) in [
        (
            "data/exceptions/EXC-001.yaml:17:7",
            "17 │ tags: #patching",
            "#patching",
            "tags",
        ),
        (
            "content/runbook.md:3:14",
            "3 │ description: #first-steps",
            "#first-steps",
            "description",
        ),
        (
            "handbook.yaml:4:8",
            "4 │ as_of: #2026-06-30",
            "#2026-06-30",
            "as_of",
        ),
    ] {
        let told =
            format!("warning: `{path}` has no value: `{comment}` after it is a comment to YAML\n");
        let at = report
            .find(&told)
            .unwrap_or_else(|| panic!("{told}\nin\n{report}"));
        let place = format!("┌─ {place}\n");
        let next = &report[at + told.len()..];
        assert!(
            next.trim_start().starts_with(&place),
            "{place}\nin\n{report}"
        );
        assert!(report.contains(line), "{line}\nin\n{report}");
        let hint = format!("to write text, put it in quotes: \"{comment}\"");
        assert!(report.contains(&hint), "{hint}\nin\n{report}");
    }
    assert_eq!(
        report.matches("after it is a comment to YAML").count(),
        3,
        "{report}"
    );

    // `title` must have a value: its error gives the hint, and no warning repeats it.
    edit(
        "handbook.yaml",
        "title: Records Fixture Handbook",
        "title: #1 handbook",
    );
    let out = build(&root);
    assert_code(&out, 1);
    let report = stderr(&out);
    assert_eq!(
        report.matches("`title` has no value").count(),
        1,
        "{report}"
    );
    assert_reports(&out, "put it in quotes: \"#1 handbook\"");
}

/// A handbook with errors is not rendered, so an error its own templates give only as
/// they render cannot be told with the others: the build says so, where it stayed silent
/// and the template's error came as a surprise once the rest was mended.
#[test]
fn a_failed_build_says_its_own_templates_were_not_rendered() {
    let book = BookTest::empty();
    book.write(
        "handbook.yaml",
        "title: T\nid: 3c9a7e52-61d0-4f3b-8e27-b5d4a1c08f96\ntheme: mine\nbase_urll: /\n",
    );
    book.write("content/_index.md", "---\ntitle: Home\n---\nHi\n");
    book.write("content/guide.md", "---\ntitle: Guide\n---\nHi\n");
    book.write(
        "themes/mine/templates/page.html",
        "{% extends \"base.html\" %}{% block content %}{{ page.titel }}{% endblock content %}\n",
    );
    let note = "the handbook's own templates are not rendered while it has errors";
    let out = book.run(&["build", "."]);
    assert_code(&out, 1);
    assert!(stderr(&out).contains(note), "{}", stderr(&out));

    // Mended, the template's own error is told; with the built-in theme, no note.
    book.replace("handbook.yaml", "base_urll: /\n", "");
    let out = book.run(&["build", "."]);
    assert_code(&out, 1);
    assert!(stderr(&out).contains("titel"), "{}", stderr(&out));
    book.remove("themes");
    book.replace("handbook.yaml", "theme: mine\n", "base_urll: /\n");
    let out = book.run(&["build", "."]);
    assert_code(&out, 1);
    assert!(!stderr(&out).contains(note), "{}", stderr(&out));
}
