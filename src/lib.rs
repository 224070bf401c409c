//! secbook turns a security program handbook kept in git into a static site.
//!
//! The pipeline runs load → validate → derive → render → write; [`pipeline`] drives it.
//! These docs are for the people who work on secbook: `cargo doc --document-private-items`.

#![allow(rustdoc::private_intra_doc_links)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
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
