//! secbook turns a security program handbook kept in git into a static site.
//!
//! The pipeline runs load → validate → compute → render → write; [`build`] drives it.

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
