//! `secbook build`: the site into an output folder, replaced only when the build succeeds.

use std::path::PathBuf;
use std::time::Instant;

use crate::cli::Done;
use crate::diagnostics::Error;
use crate::pipeline::{self, Options};

/// Builds the site into `output`, else public/ in the handbook folder.
pub fn run(options: &Options, output: Option<PathBuf>) -> Result<Done, Error> {
    let started = Instant::now();
    let out = output.unwrap_or_else(|| options.root.join("public"));
    let g = pipeline::build(options, &out)?;
    let audience = match &g.audience {
        Some(name) => format!(" for the audience {name}"),
        None => String::new(),
    };
    let summary = format!(
        "built {} pages and {} files{audience} into {} (as of {}, search index {} KB) in {:.2}s",
        g.pages,
        g.file_count,
        out.display(),
        g.as_of,
        g.search_index_bytes.div_ceil(1024),
        started.elapsed().as_secs_f64()
    );
    Ok(Done {
        warnings: g.warnings,
        summary,
    })
}
