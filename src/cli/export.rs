//! `secbook export`: one of the files the build writes to exports/, from the handbook
//! alone (load, validate, derive; no page is rendered), to a file or the standard output.

use std::path::PathBuf;

use crate::cli::{Done, write_out};
use crate::diagnostics::{Diagnostic, Error, Level};
use crate::pipeline::{self, Options};
use crate::render::{Pieces, poam, tracker};

/// exports/exceptions.csv, the tracker CSV (SPEC 10), to `output`. A handbook with errors
/// has none.
pub fn tracker(options: &Options, output: Option<PathBuf>) -> Result<Done, Error> {
    let (handbook, warnings) = pipeline::load_handbook(options)?;
    let rows = handbook.records.exceptions.len();
    let csv = tracker::export(handbook.records.exceptions.iter().map(|e| &e.record));
    let to = write_out(&options.root, csv.as_bytes(), output)?;
    // The export's own: what an import of the file would read otherwise, or skip.
    let exceptions = &handbook.records.exceptions;
    let mut told = tracker::split_on_import(exceptions);
    told.extend(tracker::skipped_on_import(exceptions));
    Ok(Done {
        warnings: told,
        summary: format!(
            "exported {rows} exception(s) to {to}{}",
            findings(&warnings)
        ),
    })
}

/// What an export says of the handbook's findings and warnings, `told`: they are the
/// handbook's, not the export's, and `check` is where to read them, rather than have each
/// export of a CI job print them all again. A finding raised to an error (`deny`) is
/// counted as one, though it does not stop the export.
fn findings(told: &[Diagnostic]) -> String {
    let errors = told.iter().filter(|d| d.level == Level::Error).count();
    match (errors, told.len() - errors) {
        (0, 0) => String::new(),
        (0, n) => format!("; the handbook has {n} warning(s): `secbook check` lists them"),
        (e, n) => format!(
            "; the handbook has {e} error(s) and {n} warning(s): `secbook check` lists them"
        ),
    }
}

/// exports/poam.json, the OSCAL plan of action and milestones, to `output`.
pub fn poam(options: &Options, output: Option<PathBuf>) -> Result<Done, Error> {
    let (handbook, warnings) = pipeline::load_handbook(options)?;
    let (risks, items) = (Pieces::fresh(), Pieces::fresh());
    let parts = poam::document(&handbook, &risks, &items, poam::Place::Alone).ok_or_else(|| {
        Error::Usage(
            "no exception is approved or pending, and an OSCAL plan of action and milestones \
             needs at least one item: there is nothing to export"
                .into(),
        )
    })?;
    let to = write_out(&options.root, &parts.joined(), output)?;
    let unlinked = match poam::Place::Alone.links_pages(&handbook.config.base_url) {
        true => "",
        false => "; it does not link the exceptions' pages, which needs an absolute base_url",
    };
    Ok(Done::said(format!(
        "exported the OSCAL plan of action and milestones to {to}{unlinked}{}",
        findings(&warnings)
    )))
}
