//! The registers' pages: exceptions, incidents, action items, owners, status and audit.

use super::{OutputFile, Renderer};
use crate::diagnostics::Diagnostic;
use crate::handbook::Handbook;

pub fn render_record_pages(
    handbook: &Handbook,
    renderer: &Renderer,
) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    let _ = (handbook, renderer);
    (Vec::new(), Vec::new())
}
