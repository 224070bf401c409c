//! The theme: the built-in default, overridden file by file by a handbook's own theme.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use tera::ErrorKind;

use crate::diagnostics::{Diagnostic, SourceFile};
use crate::load::config::LimitsConfig;
use crate::load::source::{self, Hidden, Source};

/// The default theme, compiled into the binary so a handbook needs no themes/ folder.
const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    (
        "search.html",
        include_str!("../../themes/default/templates/search.html"),
    ),
    (
        "404.html",
        include_str!("../../themes/default/templates/404.html"),
    ),
    (
        "base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "components.html",
        include_str!("../../themes/default/templates/components.html"),
    ),
    (
        "index.html",
        include_str!("../../themes/default/templates/index.html"),
    ),
    (
        "metrics.html",
        include_str!("../../themes/default/templates/metrics.html"),
    ),
    (
        "page.html",
        include_str!("../../themes/default/templates/page.html"),
    ),
    (
        "page-components.html",
        include_str!("../../themes/default/templates/page-components.html"),
    ),
    (
        "policy.html",
        include_str!("../../themes/default/templates/policy.html"),
    ),
    (
        "section.html",
        include_str!("../../themes/default/templates/section.html"),
    ),
    (
        "action-items.html",
        include_str!("../../themes/default/templates/action-items.html"),
    ),
    (
        "audit.html",
        include_str!("../../themes/default/templates/audit.html"),
    ),
    (
        "exception.html",
        include_str!("../../themes/default/templates/exception.html"),
    ),
    (
        "exception-row.html",
        include_str!("../../themes/default/templates/exception-row.html"),
    ),
    (
        "exceptions.html",
        include_str!("../../themes/default/templates/exceptions.html"),
    ),
    (
        "incident.html",
        include_str!("../../themes/default/templates/incident.html"),
    ),
    (
        "incident-row.html",
        include_str!("../../themes/default/templates/incident-row.html"),
    ),
    (
        "incidents.html",
        include_str!("../../themes/default/templates/incidents.html"),
    ),
    (
        "owner.html",
        include_str!("../../themes/default/templates/owner.html"),
    ),
    (
        "owners.html",
        include_str!("../../themes/default/templates/owners.html"),
    ),
    (
        "record-components.html",
        include_str!("../../themes/default/templates/record-components.html"),
    ),
    (
        "status.html",
        include_str!("../../themes/default/templates/status.html"),
    ),
];

/// The built-in templates a content page may name in its front matter; the others show a
/// record, a register or a page the build makes, from values a content page does not have.
const PAGE_TEMPLATES: [&str; 3] = ["page.html", "section.html", "policy.html"];

/// What a content page may not be shown with, and why: a built-in template for something
/// else (incident.html shows an incident). A template of the handbook's own it may.
pub fn not_for_pages(name: &str) -> Option<String> {
    let builtin = BUILTIN_TEMPLATES.iter().any(|(n, _)| *n == name);
    (builtin && !PAGE_TEMPLATES.contains(&name)).then(|| {
        format!(
            "template `{name}` is the theme's for a page the build makes (a record, a \
             register, the home page), from values a content page does not have"
        )
    })
}

/// The hint for a page whose template is not one a content page may name.
pub const PAGE_TEMPLATES_HINT: &str = "a content page is shown with page.html, section.html, policy.html or a template of the handbook's own theme";

const BUILTIN_STATIC: &[(&str, &[u8])] = &[
    (
        "search.js",
        include_bytes!("../../themes/default/static/search.js"),
    ),
    (
        "vendor/minisearch.js",
        include_bytes!("../../themes/default/static/vendor/minisearch.js"),
    ),
    (
        "vendor/minisearch.LICENSE.txt",
        include_bytes!("../../themes/default/static/vendor/minisearch.LICENSE.txt"),
    ),
    (
        "registry.js",
        include_bytes!("../../themes/default/static/registry.js"),
    ),
    (
        "style.css",
        include_bytes!("../../themes/default/static/style.css"),
    ),
];

/// A file of the handbook copied into the output.
#[derive(Debug, Clone)]
pub struct CopiedFile {
    pub path: PathBuf,
    /// Its name in the handbook (`static/logo.svg`), for messages.
    pub name: String,
}

/// Where a file of the output comes from.
#[derive(Debug, Clone)]
pub enum Body {
    /// Made by the build or built into the binary; cheap to clone, so `serve` can keep a
    /// rendered file between builds and send it without copying.
    Bytes(bytes::Bytes),
    /// Copied from disk as it is, without reading it into memory first.
    Copy(CopiedFile),
    /// Made by the build in pieces, one after another, some kept between builds: the
    /// records' rows of the search index, or each record's piece of an export, tens of
    /// megabytes on a large register, are not copied again when a page or another record
    /// changes. Joined only when read.
    Parts(Arc<[bytes::Bytes]>),
}

impl Body {
    /// The size in bytes, reading only the metadata of a copied file.
    pub fn size(&self) -> u64 {
        match self {
            Body::Bytes(b) => b.len() as u64,
            Body::Copy(copied) => std::fs::metadata(&copied.path).map_or(0, |m| m.len()),
            Body::Parts(parts) => parts.iter().map(|p| p.len() as u64).sum(),
        }
    }
}

pub struct Theme {
    /// Template name to source, the handbook's files replacing built-in ones of that name.
    pub templates: BTreeMap<String, Arc<SourceFile>>,
    /// Output path to content, for the theme's static files.
    pub statics: BTreeMap<String, Body>,
    /// The most a file rendered from a template may hold: [`RENDERED_PER_READ`] times
    /// the largest file read.
    pub max_rendered_bytes: usize,
}

/// How much larger than the largest file read ([`LimitsConfig`]) a
/// rendered file may grow: a page's HTML is a few times its Markdown. A template's loop of
/// a hundred thousand inside another would write ten gigabytes, filling the memory before
/// it ended.
pub const RENDERED_PER_READ: u64 = 25;

/// The bound on a rendered file where the largest file read is `max_bytes`.
fn rendered_bound(max_bytes: u64) -> usize {
    usize::try_from(max_bytes.saturating_mul(RENDERED_PER_READ)).unwrap_or(usize::MAX)
}

impl Theme {
    /// Whether the handbook gives templates of its own, which may fail as they render.
    pub fn has_own_templates(&self) -> bool {
        (self.templates.values()).any(|t| !t.name.starts_with(BUILT_IN))
    }

    /// Loads `name` from themes/ in `source`, on top of the built-in theme, refusing template
    /// files over `max_bytes`, with every problem found on the way. Each template is
    /// parsed, so that the syntax errors of all of them are reported at once; one that
    /// does not parse is left out, the built-in template of its name (or an empty one)
    /// standing in, so that no template that uses it fails because of it. Only the
    /// default theme may be missing; a problem with `name` itself is reported
    /// with no file, and the built-in theme stands in.
    pub fn load(source: &dyn Source, name: &str, max_bytes: u64) -> (Theme, Vec<Diagnostic>) {
        let mut theme = Theme::builtin();
        theme.max_rendered_bytes = rendered_bound(max_bytes);
        if name.is_empty() || matches!(name, "." | "..") || name.contains(['/', '\\', '\0']) {
            let diag = Diagnostic::error(format!(
                "theme `{}` is not the name of a folder in themes/",
                name.escape_debug()
            ));
            return (theme, vec![diag]);
        }
        if !source.is_folder(&format!("themes/{name}")) {
            if name == "default" {
                return (theme, Vec::new());
            }
            let diag = Diagnostic::error(format!(
                "theme `{name}` not found: there is no folder themes/{name}"
            ));
            return (theme, vec![diag]);
        }
        let mut diags = Vec::new();
        let templates = format!("themes/{name}/templates");
        for rel in files_below(source, &templates, &mut diags) {
            match source::walked_text(source, &format!("{templates}/{rel}"), max_bytes) {
                Ok(file) => match syntax_error(&rel, file) {
                    Ok(file) => {
                        theme.templates.insert(rel, file);
                    }
                    Err(d) => {
                        diags.push(d);
                        theme
                            .templates
                            .entry(rel.clone())
                            .or_insert_with(|| SourceFile::new(rel, ""));
                    }
                },
                Err(d) => diags.push(d),
            }
        }
        let statics = format!("themes/{name}/static");
        for rel in files_below(source, &statics, &mut diags) {
            match source::copied(source, &format!("{statics}/{rel}")) {
                Ok(body) => {
                    theme.statics.insert(rel, body);
                }
                Err(d) => diags.push(d),
            }
        }
        diags.extend(super::theme_calls::endless(&theme.templates));
        (theme, diags)
    }
}

/// The template `file`, named `name`, back when it parses, else its syntax error. The
/// rest of Tera's checks (a parent that does not exist) need the whole theme; the
/// renderer makes them.
fn syntax_error(name: &str, file: Arc<SourceFile>) -> Result<Arc<SourceFile>, Diagnostic> {
    match tera::Tera::new().add_raw_template(name, &file.text) {
        Err(e) if matches!(e.kind(), tera::ErrorKind::SyntaxError(_)) => Err(to_diagnostic(
            &e,
            &BTreeMap::from([(name.to_string(), file)]),
        )),
        _ => Ok(file),
    }
}

impl Theme {
    /// The built-in default theme alone.
    pub fn builtin() -> Theme {
        let templates = BUILTIN_TEMPLATES
            .iter()
            .map(|(n, text)| {
                (
                    n.to_string(),
                    SourceFile::new(format!("{BUILT_IN}{n}"), *text),
                )
            })
            .collect();
        let statics = BUILTIN_STATIC
            .iter()
            .map(|(n, bytes)| (n.to_string(), Body::Bytes(bytes::Bytes::from_static(bytes))))
            .collect();
        Theme {
            templates,
            statics,
            max_rendered_bytes: rendered_bound(LimitsConfig::default().max_file_bytes()),
        }
    }
}

/// The files of the theme's folder `folder`, by path below it, as [`Source::walk`] finds
/// them; what it does not use goes to `diags`.
fn files_below(source: &dyn Source, folder: &str, diags: &mut Vec<Diagnostic>) -> Vec<String> {
    let found = source.walk(folder, Hidden::LeftOut);
    diags.extend(found.diags);
    found.files.into_iter().map(|f| f.rel).collect()
}
/// What a built-in template's file is named in reports.
const BUILT_IN: &str = "(built-in theme) ";

/// A Tera error as a diagnostic pointing into the template that caused it. One found in a
/// built-in template, in a theme that replaces some, names those: a block or value it needs
/// is likely missing from one of them.
pub fn to_diagnostic(err: &tera::Error, sources: &BTreeMap<String, Arc<SourceFile>>) -> Diagnostic {
    let diag = tera_diagnostic(err, sources);
    let built_in = diag
        .file
        .as_ref()
        .is_some_and(|f| f.name.starts_with(BUILT_IN));
    let replaced: Vec<&str> = (sources.values())
        .map(|f| f.name.as_str())
        .filter(|n| !n.starts_with(BUILT_IN))
        .collect();
    if !built_in || replaced.is_empty() || diag.hint.is_some() {
        return diag;
    }
    diag.with_hint(format!(
        "this template is built in, and the theme replaces {}: what it needs (a block, a \
         value) may be missing from one of those",
        replaced.join(", ")
    ))
}

fn tera_diagnostic(err: &tera::Error, sources: &BTreeMap<String, Arc<SourceFile>>) -> Diagnostic {
    match err.kind() {
        ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => {
            let (message, hint) = available_hint(report.message());
            let mut diag = Diagnostic::error(format!("template error: {message}"));
            if let Some(hint) = hint {
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
                .or_else(|| named_template(&message, sources))
                .unwrap_or_else(|| {
                    let diag = Diagnostic::error(format!("template error: {message}"));
                    match message.contains("recursion depth for components") {
                        true => diag.with_hint(
                            "a component calls itself, directly or through others, with no \
                             condition that ends the calls",
                        ),
                        false => diag,
                    }
                })
        }
    }
}

/// Tera's "Variable `x` is not defined. Available variables: a, b" (or "Field ... fields")
/// as the message before the list, and a hint from the list: the closest name, else the
/// list. What a template is given differs from page to page, so with the list in the
/// message one mistake in base.html was told once for each kind of page.
fn available_hint(message: &str) -> (&str, Option<String>) {
    let Some((said, available)) = [". Available variables: ", ". Available fields: "]
        .iter()
        .find_map(|list| message.split_once(list))
    else {
        return (message, None);
    };
    let unknown = said.split('`').nth(1).unwrap_or_default();
    let names = || available.split(", ").map(str::trim);
    let hint = match crate::diagnostics::closest(unknown, names()) {
        Some(best) => format!("did you mean `{best}`?"),
        None => format!("where it failed first, the template was given {available}"),
    };
    (said, Some(hint))
}

/// An error about a template it names (`Circular include detected for template 'x'`), at
/// the first tag of that template that takes in another.
fn named_template(
    message: &str,
    sources: &BTreeMap<String, Arc<SourceFile>>,
) -> Option<Diagnostic> {
    let named = message.split('\'').skip(1).step_by(2);
    let file = named.filter_map(|n| sources.get(n)).next()?;
    let at = ["include", "extends", "import"]
        .iter()
        .filter_map(|tag| file.text.find(tag))
        .min()
        .unwrap_or(0);
    let end = file.text[at..]
        .find('\n')
        .map_or(file.text.len(), |n| at + n);
    Some(Diagnostic::error(format!("template error: {message}")).at(file, at..end.max(at + 1)))
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
