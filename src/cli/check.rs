//! `secbook check`: every error and finding of the handbook, writing no file but the history
//! cache (SPEC 14); for people, or in one of the [`formats`] machines read.

use crate::cli::formats::{self, Format};
use crate::cli::{Done, print};
use crate::diagnostics::Error;
use crate::pipeline::{self, Options};
use crate::validate::findings::Coverage;

/// `check` for people: the warnings, and the as-of date they were computed at.
pub fn run(options: &Options) -> Result<Done, Error> {
    let g = pipeline::check(options)?;
    let summary = format!("no errors (as of {})", g.as_of);
    Ok(Done {
        warnings: g.warnings,
        summary,
    })
}

/// `check` for machines: every error and finding on the standard output in `format`.
/// Whether the handbook passed: it has no errors and no denied findings.
pub fn for_machines(options: &Options, format: Format) -> Result<bool, Error> {
    let prefix = formats::repository_prefix(&options.root);
    let (checked, coverage) = match pipeline::check_covered(options) {
        Ok(done) => done,
        Err(Error::Invalid(diags)) => (Err(Error::Invalid(diags)), Coverage::default()),
        Err(err) => return Err(err),
    };
    let (diags, passed) = match checked {
        Ok(g) => (g.warnings, true),
        Err(Error::Invalid(diags)) => (diags, false),
        Err(err) => return Err(err),
    };
    let context = formats::Context::new(&coverage, prefix);
    let text = formats::render(format, &diags, &context);
    print(text.as_bytes())?;
    Ok(passed)
}
