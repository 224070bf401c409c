//! Rendering through Tera: templates compiled once, pages rendered in parallel.

mod api;
mod pages;
mod records;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use tera::{Context, ErrorKind, Tera};

use crate::diagnostics::{Diagnostic, SourceFile};
use crate::handbook::Handbook;
use crate::theme::{Body, Theme};

/// A file of the output, by its path relative to the site root.
#[derive(Debug, Clone)]
pub struct OutputFile {
    pub path: String,
    pub body: Body,
}

impl OutputFile {
    pub fn html(path: String, text: String) -> Self {
        OutputFile {
            path,
            body: Body::Bytes(text.into_bytes()),
        }
    }
}

/// An entry of the top menu.
#[derive(Debug, Clone, Serialize)]
pub struct MenuItem {
    pub title: &'static str,
    pub href: &'static str,
}

/// The top menu: the pages every reader looks for first.
pub fn menu() -> Vec<MenuItem> {
    [
        ("Handbook", "index.html"),
        ("Exceptions", "exceptions/index.html"),
        ("Incidents", "incidents/index.html"),
        ("Action items", "action-items/index.html"),
        ("Owners", "owners/index.html"),
        ("Status", "status/index.html"),
        ("Audit", "audit/index.html"),
    ]
    .into_iter()
    .map(|(title, href)| MenuItem { title, href })
    .collect()
}

/// Renders every file the site holds beyond static files: pages, records, and exports.
pub fn render_all(handbook: &Handbook, renderer: &Renderer) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    let (mut files, mut diags) = pages::render_pages(&handbook.site, renderer);
    let (record_files, record_diags) = records::render_record_pages(handbook, renderer);
    files.extend(record_files);
    diags.extend(record_diags);
    files.extend(api::render_api(handbook));
    (files, diags)
}

pub struct Renderer {
    tera: Tera,
    sources: BTreeMap<String, Arc<SourceFile>>,
}

impl Renderer {
    /// Compiles every template of the theme once. `globals` are the values every page
    /// shares (the site, the navigation), set once rather than per page.
    pub fn new(
        theme: &Theme,
        globals: &[(&'static str, tera::Value)],
    ) -> Result<Renderer, Vec<Diagnostic>> {
        let mut tera = Tera::new();
        let sources = theme.templates.clone();
        let raw: Vec<(&str, &str)> = sources
            .iter()
            .map(|(name, file)| (name.as_str(), file.text.as_str()))
            .collect();
        tera.add_raw_templates(raw)
            .map_err(|e| vec![to_diagnostic(&e, &sources)])?;
        for (key, value) in globals {
            tera.global_context().insert_value(*key, value.clone());
        }
        Ok(Renderer { tera, sources })
    }

    pub fn has_template(&self, name: &str) -> bool {
        self.tera.contains_template(name)
    }

    pub fn render(&self, template: &str, context: &Context) -> Result<String, Diagnostic> {
        self.tera
            .render(template, context)
            .map_err(|e| to_diagnostic(&e, &self.sources))
    }
}

/// A Tera error as a diagnostic pointing into the template that caused it.
fn to_diagnostic(err: &tera::Error, sources: &BTreeMap<String, Arc<SourceFile>>) -> Diagnostic {
    match err.kind() {
        ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
            let diag = Diagnostic::error(format!("template error: {}", report.message()));
            match sources.get(report.filename()) {
                Some(file) => diag.at(file, report.span().range.clone()),
                None => diag,
            }
        }
        _ => {
            let mut message = format!("template error: {err}");
            let mut cause = std::error::Error::source(err);
            while let Some(c) = cause {
                message.push_str(&format!(": {c}"));
                cause = c.source();
            }
            Diagnostic::error(message)
        }
    }
}

/// Serialises a value for a template context; our types always serialise.
pub fn value<T: Serialize + ?Sized>(v: &T) -> tera::Value {
    tera::Value::from_serializable(v)
}
