//! api/: the records and findings as JSON, for other tools.

use serde::Serialize;

use super::OutputFile;
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

pub fn render_api(handbook: &Handbook) -> Vec<OutputFile> {
    let exceptions: Vec<ExceptionJson> = handbook
        .records
        .exceptions
        .iter()
        .zip(&handbook.exception_states)
        .map(|(e, state)| ExceptionJson {
            record: &e.record,
            state: *state,
        })
        .collect();
    let incidents: Vec<_> = handbook
        .records
        .incidents
        .iter()
        .map(|i| &i.record)
        .collect();
    let mut files = vec![
        json("api/exceptions.json", &exceptions),
        json("api/incidents.json", &incidents),
        json("api/findings.json", &handbook.findings),
    ];
    if let Some(history) = &handbook.history {
        files.push(json("api/history.json", &HistoryJson::of(history)));
    }
    files
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
    let bytes =
        json_bytes(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}\n").into_bytes());
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
