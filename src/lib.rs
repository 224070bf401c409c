//! secbook turns a security program handbook kept in git into a static site.
//!
//! The pipeline runs load → validate → compute → render → write; [`build`] drives it.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
pub mod baseline;
pub mod build;
pub mod calendar;
pub mod charts;
pub mod config;
pub mod content;
pub mod date;
pub mod diagnostics;
pub mod feeds;
pub mod findings;
pub mod handbook;
/// In-memory entry points for the fuzz targets and the tests; not part of the shipped
/// library (`--features testkit`, which the tests turn on themselves).
#[cfg(feature = "testkit")]
pub mod harness;
pub mod links;
pub mod markdown;
pub mod metrics;
pub mod output;
pub mod poam;
pub mod records;
pub mod render;
pub mod report;
pub mod scaffold;
pub mod serve;
pub mod site;
pub mod source;
pub mod theme;
pub mod tracker;
pub mod yaml;
