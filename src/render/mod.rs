//! Rendering through Tera: templates compiled once, pages rendered in parallel.

mod api;
mod ecosystem;
mod exports;
mod metrics;
mod pages;
mod records;
pub mod search;

pub use ecosystem::sitemap;
pub use metrics::{SummaryItem, status_summary};

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
        ("Metrics", "metrics/index.html"),
        ("Status", "status/index.html"),
        ("Audit", "audit/index.html"),
    ]
    .into_iter()
    .map(|(title, href)| MenuItem { title, href })
    .collect()
}

/// Renders every file the site holds beyond static files: pages, records, and exports.
pub fn render_all(handbook: &Handbook, renderer: &Renderer) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    let extras = records::PageExtras::new(handbook);
    let (mut files, mut diags) = pages::render_pages(&handbook.site, renderer, &extras);
    let (record_files, record_diags) = records::render_record_pages(handbook, renderer);
    files.extend(record_files);
    diags.extend(record_diags);
    files.extend(api::render_api(handbook));
    files.extend(exports::render_exports(handbook));
    let (search_files, search_diags) = search::render_search(handbook, renderer);
    files.extend(search_files);
    diags.extend(search_diags);
    let (metric_files, metric_diags) = metrics::render_metrics(handbook, renderer);
    files.extend(metric_files);
    diags.extend(metric_diags);
    let (ecosystem_files, ecosystem_diags) = ecosystem::render_ecosystem(handbook, renderer);
    files.extend(ecosystem_files);
    diags.extend(ecosystem_diags);
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
            let message = report.message();
            let mut diag = Diagnostic::error(format!("template error: {message}"));
            if let Some(hint) = field_hint(message) {
                diag = diag.with_hint(hint);
            }
            match sources.get(report.filename()) {
                Some(file) => diag.at(file, report.span().range.clone()),
                None => diag,
            }
        }
        _ => {
            let mut message = err.to_string();
            let mut cause = std::error::Error::source(err);
            while let Some(c) = cause {
                message.push_str(&format!(": {c}"));
                cause = c.source();
            }
            from_report(&message, sources)
                .unwrap_or_else(|| Diagnostic::error(format!("template error: {message}")))
        }
    }
}

/// For Tera's "Field `x` is not defined. Available fields: a, b", the closest field.
fn field_hint(message: &str) -> Option<String> {
    let unknown = message.strip_prefix("Field `")?.split('`').next()?;
    let (_, available) = message.split_once("Available fields: ")?;
    let best = crate::diagnostics::closest(unknown, available.split(", ").map(str::trim))?;
    Some(format!("did you mean `{best}`?"))
}

/// Tera gathers the errors it finds while checking templates into one text of reports,
/// each `error: MESSAGE` then ` --> NAME:LINE:COL`. Reads the first back into a diagnostic
/// at its place; the others surface again once the first is fixed.
fn from_report(text: &str, sources: &BTreeMap<String, Arc<SourceFile>>) -> Option<Diagnostic> {
    let mut lines = text.lines().skip_while(|l| !l.starts_with("error: "));
    let message = lines.next()?.trim_start_matches("error: ").trim();
    let place = lines.next()?.trim().strip_prefix("--> ")?;
    let mut parts = place.rsplitn(3, ':');
    let col: usize = parts.next()?.parse().ok()?;
    let line: usize = parts.next()?.parse().ok()?;
    let file = sources.get(parts.next()?)?;
    let start = file.offset(line, col);
    let end = start
        + file.text[start..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(0);
    Some(
        Diagnostic::error(format!("template error: {message}")).at(file, start..end.max(start + 1)),
    )
}

/// Serialises a value for a template context; our types always serialise.
pub fn value<T: Serialize + ?Sized>(v: &T) -> tera::Value {
    tera::Value::from_serializable(v)
}
