//! A content page: YAML front matter and Markdown, rendered as a page and as the untrusted
//! Markdown of a record field, then built into a small handbook.
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run page -- -rss_limit_mb=2048 -timeout=10`

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| secbook::harness::fuzz(data, secbook::harness::page));
