//! The integration tests: one test binary, as Cargo's and mdBook's are, so `cargo test` links
//! one program instead of one per file. Each module tests one area, most of them through the
//! built `secbook` binary; `common` holds what they share, `BookTest` among it.

// A tool and tests print to their terminal: no exit status rides on it.
#![allow(clippy::disallowed_macros)]

mod common;

mod audiences;
mod check_formats;
mod cli_init_new;
mod control_characters;
mod crash_safety;
mod determinism;
mod e2e;
mod exports;
mod fuzz_corpus;
mod handbook_root;
mod history;
mod hostile;
mod incremental;
mod input_files;
mod metrics;
mod notify;
mod output_folder;
mod output_paths;
mod records_checks;
mod records_pages;
mod report;
mod scale;
mod search;
mod serve;
mod sources;
mod tracker;
