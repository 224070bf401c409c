//! The command line. Exit status: 0 success, 1 the handbook has errors, 2 the command could
//! not run.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand, ValueEnum};
use secbook::build::{self, Options};
use secbook::date::Date;
use secbook::diagnostics::{Diagnostic, Error, Level};

#[derive(Parser)]
#[command(
    name = "secbook",
    version,
    about = "Build a security program handbook into a static site"
)]
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
        /// How to print errors and findings.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Reports with the offending line, for people.
    Human,
    /// One JSON array of every error and finding.
    Json,
    /// GitHub Actions workflow commands, so CI annotates the merge request.
    Github,
}

#[derive(Args)]
struct Common {
    /// The handbook folder.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// The date every time-based state is computed against (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<Date>,
    /// Treat every finding that would warn as an error.
    #[arg(long)]
    strict: bool,
    /// Compare the records with this git revision (raises the change findings).
    #[arg(long, value_name = "REV")]
    baseline: Option<String>,
}

impl Common {
    fn options(self) -> Options {
        Options {
            root: self.dir,
            as_of: self.as_of,
            strict: self.strict,
            baseline: self.baseline,
            ..Options::default()
        }
    }
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("`{s}` is not a date written YYYY-MM-DD"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = match &cli.command {
        Command::Check { format, .. } => *format,
        _ => Format::Human,
    };
    match run(cli.command) {
        Ok((warnings, summary)) => {
            emit(&warnings, format);
            if format == Format::Human {
                eprintln!("{summary}");
            }
            ExitCode::SUCCESS
        }
        Err(Error::Invalid(diags)) => {
            emit(&diags, format);
            ExitCode::from(1)
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

/// Runs a command: the warnings to print, and a one-line summary for people.
fn run(command: Command) -> Result<(Vec<Diagnostic>, String), Error> {
    let started = Instant::now();
    match command {
        Command::Build {
            common,
            output,
            base_url,
            drafts,
        } => {
            let out = output.unwrap_or_else(|| common.dir.join("public"));
            let options = Options {
                base_url,
                drafts,
                ..common.options()
            };
            let g = build::build(&options, &out)?;
            let summary = format!(
                "built {} pages and {} files into {} (as of {}) in {:.2}s",
                g.pages,
                g.files.len(),
                out.display(),
                g.as_of,
                started.elapsed().as_secs_f64()
            );
            Ok((g.warnings, summary))
        }
        Command::Check { common, .. } => {
            let g = build::generate(&common.options())?;
            let summary = format!("no errors (as of {})", g.as_of);
            Ok((g.warnings, summary))
        }
    }
}

fn emit(diags: &[Diagnostic], format: Format) {
    match format {
        Format::Human => report(diags),
        Format::Json | Format::Github => print_machine(diags, format),
    }
}

/// Prints errors and findings for a machine: a JSON array, or GitHub workflow commands.
fn print_machine(diags: &[Diagnostic], format: Format) {
    if format == Format::Json {
        let items: Vec<serde_json::Value> = diags.iter().map(diagnostic_json).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&items).unwrap_or_default()
        );
        return;
    }
    for d in diags {
        let kind = if d.level == Level::Error {
            "error"
        } else {
            "warning"
        };
        let mut props = Vec::new();
        if let Some((file, line, col)) = d.location() {
            props.push(format!("file={}", escape_property(&file)));
            props.push(format!("line={line}"));
            props.push(format!("col={col}"));
        }
        if let Some(code) = d.code {
            props.push(format!("title={}", escape_property(code)));
        }
        println!("::{kind} {}::{}", props.join(","), escape_data(&d.message));
    }
}

fn diagnostic_json(d: &Diagnostic) -> serde_json::Value {
    let (file, line, column) = d
        .location()
        .map_or((None, None, None), |(f, l, c)| (Some(f), Some(l), Some(c)));
    serde_json::json!({
        "level": if d.level == Level::Error { "error" } else { "warning" },
        "code": d.code,
        "file": file,
        "line": line,
        "column": column,
        "message": d.message,
        "hint": d.hint,
    })
}

/// GitHub's escaping for workflow command data.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub's escaping for workflow command properties.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
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
