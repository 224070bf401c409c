//! The commands, one module each, and the formats `check` prints its findings in. main.rs
//! reads the command line and hands each command here.
pub mod build;
pub mod check;
pub mod export;
pub mod formats;
pub mod import;
pub mod init;
pub mod new;
pub mod notify;
pub mod report;
pub mod serve;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, Error};

/// What a command for people did: the warnings to print, then a line that says what it
/// did.
#[derive(Default)]
pub struct Done {
    pub warnings: Vec<Diagnostic>,
    pub summary: String,
}

impl Done {
    /// A command that has no warnings to print.
    fn said(summary: String) -> Done {
        Done {
            warnings: Vec::new(),
            summary,
        }
    }
}

/// Writes `bytes` to `output`, or to the standard output; says where, for the summary.
pub fn write_out(bytes: &[u8], output: Option<PathBuf>) -> Result<String, Error> {
    match output {
        Some(path) => {
            std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
            Ok(path.display().to_string())
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(bytes)
                .and_then(|()| stdout.flush())
                .map_err(|e| Error::io(Path::new("<stdout>"), e))?;
            Ok("the standard output".to_string())
        }
    }
}
