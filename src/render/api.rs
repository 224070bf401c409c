//! api/: the records and findings as JSON, for other tools.

use std::sync::Arc;

use bytes::Bytes;
use rayon::prelude::*;
use serde::Serialize;

use super::{OutputFile, Pieces};
use crate::derive::handbook::Handbook;
use crate::load::theme::Body;
use crate::model::exception::Exception;
use crate::model::history::{History, RecordHistory};
use crate::model::vocab::ExceptionState;

/// An exception as loaded, plus its derived state.
#[derive(Serialize)]
struct ExceptionJson<'a> {
    #[serde(flatten)]
    record: &'a Exception,
    state: ExceptionState,
}

pub const EXCEPTIONS_PATH: &str = crate::model::site_files::API_EXCEPTIONS;
pub const INCIDENTS_PATH: &str = crate::model::site_files::API_INCIDENTS;
pub const FINDINGS_PATH: &str = crate::model::site_files::API_FINDINGS;

/// api/exceptions.json and api/incidents.json hold each record as one piece of the array,
/// kept in `exceptions` and `incidents`.
pub fn render_api(handbook: &Handbook, exceptions: &Pieces, incidents: &Pieces) -> Vec<OutputFile> {
    let records = &handbook.records;
    let exceptions = records
        .exceptions
        .par_iter()
        .zip(&handbook.exception_states)
        .map(|(e, state)| {
            exceptions.get(&e.source, state, || {
                json_piece(&ExceptionJson {
                    record: &e.record,
                    state: *state,
                })
            })
        });
    let incidents = records
        .incidents
        .par_iter()
        .map(|i| incidents.get(&i.source, (), || json_piece(&i.record)));
    let mut files = vec![
        json_array(EXCEPTIONS_PATH, exceptions.collect()),
        json_array(INCIDENTS_PATH, incidents.collect()),
        json(FINDINGS_PATH, &handbook.findings),
    ];
    if let Some(history) = &handbook.history {
        files.push(json("api/history.json", &HistoryJson::of(history)));
    }
    files
}

/// One value as compact JSON, a piece of an array.
pub fn json_piece<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_else(|e| error_json(&e))
}

/// What stands for a value that did not serialise: an object naming the error, so that
/// the file stays JSON and the failure is seen where the value would be.
fn error_json(error: &serde_json::Error) -> Vec<u8> {
    let error = serde_json::json!({ "error": error.to_string() });
    serde_json::to_vec(&error).unwrap_or_default()
}

/// The compact JSON array of `pieces` (each one value's JSON), ending in a newline: the
/// bytes [`json_bytes`] gives for the values, in parts that share the kept pieces.
fn json_array(path: &str, pieces: Vec<Arc<[u8]>>) -> OutputFile {
    let mut parts = Parts::default();
    parts.array(&pieces).text(b"\n");
    OutputFile {
        path: path.to_string(),
        body: parts.body(),
    }
}

/// A file written in parts (see [`Body::Parts`]): the text around an array, and the array's
/// pieces shared with the [`Pieces`] that keep them, where joining them copied tens of
/// megabytes into a new buffer at each record edit.
#[derive(Default)]
pub struct Parts(Vec<Bytes>);

impl Parts {
    pub fn text(&mut self, text: &'static [u8]) -> &mut Self {
        self.0.push(Bytes::from_static(text));
        self
    }

    pub fn made(&mut self, bytes: Vec<u8>) -> &mut Self {
        self.0.push(bytes.into());
        self
    }

    /// A piece kept between builds, shared rather than copied.
    pub fn kept<T: AsRef<[u8]> + Send + Sync + ?Sized + 'static>(
        &mut self,
        kept: Arc<T>,
    ) -> &mut Self {
        self.0.push(Bytes::from_owner(Kept(kept)));
        self
    }

    /// `pieces` one after another, as they are.
    pub fn pieces(&mut self, pieces: &[Arc<[u8]>]) -> &mut Self {
        for piece in pieces {
            self.kept(Arc::clone(piece));
        }
        self
    }

    /// `pieces` (each one value's JSON) as a JSON array.
    pub fn array(&mut self, pieces: &[Arc<[u8]>]) -> &mut Self {
        self.0.reserve(2 * pieces.len() + 1);
        self.text(b"[");
        for (n, piece) in pieces.iter().enumerate() {
            if n > 0 {
                self.text(b",");
            }
            self.pieces(std::slice::from_ref(piece));
        }
        self.text(b"]")
    }

    pub fn body(self) -> Body {
        Body::Parts(self.0.into())
    }

    /// The file as one buffer, for a command that writes it alone.
    pub fn joined(&self) -> Vec<u8> {
        self.0.concat()
    }
}

struct Kept<T: ?Sized>(Arc<T>);

impl<T: AsRef<[u8]> + ?Sized> AsRef<[u8]> for Kept<T> {
    fn as_ref(&self) -> &[u8] {
        (*self.0).as_ref()
    }
}

/// api/history.json: each record's history, as its page shows it, in id order (SPEC 14).
#[derive(Serialize)]
struct HistoryJson<'a> {
    exceptions: Vec<&'a RecordHistory>,
    incidents: Vec<&'a RecordHistory>,
}

impl<'a> HistoryJson<'a> {
    fn of(history: &'a History) -> Self {
        HistoryJson {
            exceptions: history.exceptions.values().collect(),
            incidents: history.incidents.values().collect(),
        }
    }
}

pub fn json<T: Serialize + ?Sized>(path: &str, value: &T) -> OutputFile {
    let bytes = json_bytes(value).unwrap_or_else(|e| {
        let mut bytes = error_json(&e);
        bytes.push(b'\n');
        bytes
    });
    OutputFile {
        path: path.to_string(),
        body: Body::Bytes(bytes.into()),
    }
}

/// Every JSON file the site holds, compact and ending in a newline: read by programs, and
/// a register's exports pretty-printed were more than a third whitespace.
pub fn json_bytes<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A value that does not serialise (JSON keys are strings) leaves the file JSON, with
    /// the error where the value would be, in a piece as in a whole file.
    #[test]
    fn a_value_that_does_not_serialise_is_an_error_object() {
        let value = BTreeMap::from([((1, 2), "pair key")]);
        let piece: serde_json::Value = serde_json::from_slice(&json_piece(&value)).unwrap();
        assert!(
            piece["error"]
                .as_str()
                .unwrap()
                .contains("key must be a string")
        );
        let file = json("api/x.json", &value);
        let Body::Bytes(bytes) = &file.body else {
            panic!("not bytes")
        };
        let whole: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        assert_eq!(whole, piece);
    }
}
