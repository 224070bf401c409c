//! `secbook export`: one of the files the build writes to exports/, from the handbook
//! alone (load, validate, derive; no page is rendered), with the handbook's warnings.

use crate::diagnostics::{Diagnostic, Error};
use crate::pipeline::{self, Options};
use crate::render::{poam, tracker};

/// exports/exceptions.csv, the tracker CSV (SPEC 10). A handbook with errors has none.
pub fn tracker(options: &Options) -> Result<(Vec<u8>, Vec<Diagnostic>), Error> {
    let (handbook, warnings) = pipeline::load_handbook(options)?;
    let csv = tracker::export(handbook.records.exceptions.iter().map(|e| &e.record));
    Ok((csv.into_bytes(), warnings))
}

/// exports/poam.json, the OSCAL plan of action and milestones.
pub fn poam(options: &Options) -> Result<(Vec<u8>, Vec<Diagnostic>), Error> {
    let (handbook, warnings) = pipeline::load_handbook(options)?;
    let bytes = poam::document(&handbook).ok_or_else(|| {
        Error::Usage(
            "no exception is approved or pending, and an OSCAL plan of action and milestones \
             needs at least one item: there is nothing to export"
                .into(),
        )
    })?;
    Ok((bytes, warnings))
}
