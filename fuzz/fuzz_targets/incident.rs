//! An incident record (data/incidents/<id>.yaml), loaded, checked and built into a small
//! handbook: findings, metrics, charts, every page and export.
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run incident -- -rss_limit_mb=2048 -timeout=10`

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| secbook::harness::fuzz(data, secbook::harness::incident));
