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

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Diagnostic, Error};
use crate::load::disk::resolve;
use crate::write::sources;

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

/// `path` as one word of a POSIX shell command, for the commands hints suggest: quoted
/// where it needs to be, and after `./` where it would read as an option.
pub fn shell_word(path: &Path) -> String {
    let text = path.to_string_lossy();
    let text = if text.starts_with('-') {
        Cow::Owned(format!("./{text}"))
    } else {
        text
    };
    // NUL, the one thing shlex refuses, is in no path.
    shlex::try_quote(&text).map_or_else(|_| text.to_string(), Cow::into_owned)
}

/// Writes `bytes` to `output`, or to the standard output when there is none or it is `-`
/// (as most commands read it); says where, for the summary. A file of the handbook at
/// `root` is not written over (see [`sources::clash`]).
pub fn write_out(root: &Path, bytes: &[u8], output: Option<PathBuf>) -> Result<String, Error> {
    match output.filter(|path| path != Path::new("-")) {
        Some(path) => {
            refuse_sources(root, &path, "write it elsewhere")?;
            sources::write_given(&path, bytes)?;
            Ok(path.display().to_string())
        }
        None => {
            print(bytes)?;
            Ok("the standard output".to_string())
        }
    }
}

/// Writes `bytes` to the standard output.
pub fn print(bytes: &[u8]) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| Error::io(Path::new("<stdout>"), e))
}

/// Refuses `path`, where a command was asked to write, when it is one of the handbook's
/// sources or holds one; `advice` says what to do instead.
pub fn refuse_sources(root: &Path, path: &Path, advice: &str) -> Result<(), Error> {
    match sources::clash(root, &resolve(path)?)? {
        Some(why) => Err(Error::Usage(format!("{} {why}; {advice}", path.display()))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_one_shell_word() {
        for (path, word) in [
            ("hb", "hb"),
            ("sub/hb", "sub/hb"),
            ("My Handbook", "'My Handbook'"),
            ("it's", "\"it's\""),
            ("$HOME", "'$HOME'"),
            ("-hb", "./-hb"),
        ] {
            assert_eq!(shell_word(Path::new(path)), word);
        }
    }
}
