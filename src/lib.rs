//! secbook turns a security program handbook kept in git into a static site.
//!
//! The pipeline runs load → validate → derive → render → write; [`pipeline`] drives it.
//! These docs are for the people who work on secbook: `cargo doc --document-private-items`.

#![allow(rustdoc::private_intra_doc_links)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
/// `eprintln!` that lets a write fail: a full or closed stderr (`2>/dev/full`, a full log
/// volume) must not turn the exit status into a panic's 101 once the work is done, a
/// site published or a record written. `clippy.toml` disallows `eprintln!` for it.
#[macro_export]
macro_rules! tell {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// [`tell!`] without the line's end.
#[macro_export]
macro_rules! tell_part {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

pub mod cli;
pub mod derive;
pub mod diagnostics;
/// In-memory entry points for the fuzz targets and the tests; not part of the shipped
/// library (`--features testkit`, which the tests turn on themselves).
#[cfg(feature = "testkit")]
pub mod harness;
pub mod load;
pub mod model;
pub mod pipeline;
pub mod render;
pub mod validate;
pub mod write;
