//! The tracker CSV of `secbook import tracker`, converted to records that are then loaded
//! back. Import must never write a record that is not YAML.
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run tracker_csv -- -rss_limit_mb=2048 -timeout=10`

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Files that are not UTF-8 are refused before any parsing; lossy decoding lets every
    // input reach the parsers.
    let text = String::from_utf8_lossy(data);
    if let Err(bug) = secbook::harness::tracker_csv(&text) {
        panic!("{bug}");
    }
});
