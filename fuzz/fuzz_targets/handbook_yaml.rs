//! handbook.yaml, loaded and used to build a small handbook: policy, windows, lints, limits.
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run handbook_yaml -- -rss_limit_mb=2048 -timeout=10`

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Files that are not UTF-8 are refused before any parsing; lossy decoding lets every
    // input reach the parsers.
    let text = String::from_utf8_lossy(data);
    // A build of the whole small handbook for a quarter of the inputs, picked by their
    // bytes: it takes milliseconds where the parsing alone takes microseconds.
    let deep = fnv1a(data) % 4 == 0;
    let _ = secbook::harness::handbook_yaml(&text, deep);
});

fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
