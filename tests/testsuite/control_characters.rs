//! Escape sequences written in a handbook reach no terminal and no CI log as they are:
//! a title holding `ESC ]0;…BEL` would retitle the terminal of whoever runs `check`, and
//! U+202E would reverse what is read after it. Records and front matter refuse control
//! characters at load (tests/fixtures/invalid/record-control-character); a page's text
//! keeps them, and a report about its line shows them escaped. Every output format is
//! checked, on stdout and stderr.

use crate::common::{BookTest, assert_code, control_character_handbook, copy_example, secbook};
use secbook::diagnostics::is_hidden;

/// What of `bytes` a terminal would run or reorder.
fn hidden(bytes: &[u8]) -> Vec<char> {
    String::from_utf8_lossy(bytes)
        .chars()
        .filter(|&c| is_hidden(c))
        .collect()
}

#[test]
fn no_control_character_from_the_handbook_reaches_the_output_as_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    control_character_handbook(
        root,
        "See \u{1b}]0;pwned\u{7} \u{202e}\u{c}[the list](missing\u{9b}\u{202e}.md).\r\n",
    );
    for (format, escaped) in [
        ("human", "missing\\u{9b}\\u{202e}.md"),
        ("github", "missing\\u{9b}\\u{202e}.md"),
        ("json", "missing\\u009b\\u202e.md"),
    ] {
        let out = secbook(root, &["check", "--format", format]);
        assert_code(&out, 1);
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            assert_eq!(
                hidden(bytes),
                Vec::<char>::new(),
                "{format} {stream}: {}",
                String::from_utf8_lossy(bytes)
            );
        }
        let shown = String::from_utf8_lossy(if format == "human" {
            &out.stderr
        } else {
            &out.stdout
        });
        assert!(shown.contains(escaped), "{format}: {shown}");
        // Each record is reported at the character, and the page's broken link too.
        for place in [
            "EXC-001.yaml",
            "EXC-002.yaml",
            "EXC-003.yaml",
            "content/_index.md",
        ] {
            assert!(shown.contains(place), "{format}: {place} in {shown}");
        }
    }
}

/// What a review cannot see is reported where it is written: bidirectional formatting in
/// any file ("Trojan Source"), and in a page the characters HTML forbids, which its page
/// shows as U+FFFD. Each kind once a file, its other places as repeats; written as an
/// escape, which a review shows, it is no warning.
#[test]
fn what_a_review_cannot_see_is_a_warning_where_it_is_written() {
    let book = BookTest::empty();
    copy_example(&book.dir);
    book.replace(
        "data/exceptions/EXC-001.yaml",
        "title: Unpatched",
        "title: Invoice \u{202e}fdp.exe and unpatched",
    )
    .replace(
        "data/exceptions/EXC-002.yaml",
        "title: TLS",
        "title: \"Escaped \\u202E is seen\" # TLS",
    )
    .replace(
        "data/people.yaml",
        "- name: Samuel Adeyemi",
        "- name: Samuel \u{2067}Adeyemi",
    )
    .replace(
        "handbook.yaml",
        "description: How",
        "description: \u{202a}How",
    )
    .write(
        "content/codes.md",
        "---\ntitle: Codes\n---\nEsc \u{1b}[31m, again \u{1b}, and \u{202e} here.\n\n# N\u{0}L\n",
    );
    let out = book.run(&["check", "--format", "json"]);
    let diags: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found: Vec<(String, u64, u64, String, u64)> = diags
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["message"].as_str().unwrap().contains("U+"))
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
                d["occurrences"].as_u64().unwrap_or(1),
            )
        })
        .collect();
    found.sort();
    let unseen = |code: &str, name: &str| {
        format!(
            "U+{code} ({name}) is invisible in a review, and changes the order in which the text around it is shown"
        )
    };
    let expected = [
        (
            "content/codes.md",
            4,
            5,
            "control character U+001B is shown as U+FFFD: HTML forbids it".to_string(),
            3,
        ),
        (
            "content/codes.md",
            4,
            25,
            unseen("202E", "right-to-left override"),
            1,
        ),
        (
            "data/exceptions/EXC-001.yaml",
            2,
            16,
            unseen("202E", "right-to-left override"),
            1,
        ),
        (
            "data/people.yaml",
            10,
            16,
            unseen("2067", "right-to-left isolate"),
            1,
        ),
        (
            "handbook.yaml",
            5,
            14,
            unseen("202A", "left-to-right embedding"),
            1,
        ),
    ]
    .map(|(file, line, column, message, n)| (file.to_string(), line, column, message, n));
    assert_eq!(found, expected, "{}", String::from_utf8_lossy(&out.stdout));
    for d in diags.as_array().unwrap() {
        if d["message"].as_str().unwrap().contains("U+") {
            assert_eq!(d["severity"], "warn", "{d}");
        }
    }
}
