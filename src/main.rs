//! The command line. Exit status: 0 success, 1 the handbook has errors, 2 the command could
//! not run.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use secbook::build::{self, Options};
use secbook::date::Date;
use secbook::diagnostics::{Diagnostic, Error, Level};

#[derive(Parser)]
#[command(name = "secbook", version, about = "Build a security program handbook into a static site")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into an output folder (public/ by default).
    Build {
        #[command(flatten)]
        common: Common,
        /// Output folder, replaced only when the build succeeds.
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// Base URL the site is served from (links are relative either way).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
    },
    /// Check the handbook and report every problem, writing nothing.
    Check {
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Args)]
struct Common {
    /// The handbook folder.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// The date every time-based state is computed against (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<Date>,
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("`{s}` is not a date written YYYY-MM-DD"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let started = Instant::now();
    let result = match cli.command {
        Command::Build {
            common,
            output,
            base_url,
            drafts,
        } => {
            let out = output.unwrap_or_else(|| common.dir.join("public"));
            let options = Options {
                root: common.dir,
                as_of: common.as_of,
                base_url,
                drafts,
            };
            build::build(&options, &out).map(|g| {
                report(&g.warnings);
                eprintln!(
                    "built {} pages and {} files into {} (as of {}) in {:.2}s",
                    g.pages,
                    g.files.len(),
                    out.display(),
                    g.as_of,
                    started.elapsed().as_secs_f64()
                );
            })
        }
        Command::Check { common } => {
            let options = Options {
                root: common.dir,
                as_of: common.as_of,
                ..Options::default()
            };
            build::generate(&options).map(|g| {
                report(&g.warnings);
                eprintln!("no errors (as of {})", g.as_of);
            })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Invalid(diags)) => {
            report(&diags);
            ExitCode::from(1)
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

/// Prints every diagnostic, then a count.
fn report(diags: &[Diagnostic]) {
    for d in diags {
        eprint!("{}", d.render());
    }
    let errors = diags.iter().filter(|d| d.level == Level::Error).count();
    let warnings = diags.len() - errors;
    if errors > 0 {
        eprintln!("{errors} error(s), {warnings} warning(s)");
    } else if warnings > 0 {
        eprintln!("{warnings} warning(s)");
    }
}
