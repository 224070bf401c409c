//! An exception record grown from a small input (`harness::amplify`) to up to a megabyte,
//! built whole: with `-timeout`, any work that grows with the square of a record (its
//! Markdown fields, lists, approvals) shows as a slow input.
//!
//! Run: `RUSTC_BOOTSTRAP=1 cargo fuzz run exception_amplified -- -rss_limit_mb=1024 -timeout=2`

#![no_main]

use libfuzzer_sys::fuzz_target;
use secbook::harness;

fuzz_target!(|data: &[u8]| harness::fuzz_amplified(
    data,
    harness::AMPLIFIED_BYTES,
    harness::exception
));
