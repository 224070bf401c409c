//! handbook.yaml, loaded and used to build a small handbook: policy, windows, lints, limits.
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run handbook_yaml -- -rss_limit_mb=2048 -timeout=10`

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| secbook::harness::fuzz(data, secbook::harness::handbook_yaml));
