//! exports/: the register in the formats other tools read.

use super::OutputFile;
use crate::derive::handbook::Handbook;
use crate::load::theme::Body;
use crate::render::tracker;

/// exports/exceptions.csv: the exception tracker CSV (SPEC 10), in id order.
pub fn render_exports(handbook: &Handbook) -> Vec<OutputFile> {
    let csv = tracker::export(handbook.records.exceptions.iter().map(|e| &e.record));
    vec![OutputFile {
        path: tracker::EXPORT_PATH.to_string(),
        body: Body::Bytes(csv.into_bytes().into()),
    }]
}
