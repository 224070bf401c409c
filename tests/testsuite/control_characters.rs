//! Escape sequences written in a handbook reach no terminal and no CI log as they are:
//! a title holding `ESC ]0;…BEL` would retitle the terminal of whoever runs `check`, and
//! U+202E would reverse what is read after it. Records and front matter refuse control
//! characters at load (tests/fixtures/invalid/record-control-character); a page's text
//! keeps them, and a report about its line shows them escaped. Every output format is
//! checked, on stdout and stderr.

use crate::common::{assert_code, control_character_handbook, secbook};
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
