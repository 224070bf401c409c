//! The commands beyond the pipeline: init and new, report, the preview server, and the
//! formats `check` prints its findings in.
pub mod export;
pub mod formats;
pub mod import;
pub mod init;
pub mod new;
pub mod notify;
pub mod report;
pub mod serve;
