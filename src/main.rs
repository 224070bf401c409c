//! The command line. Exit status: 0 success, 1 the handbook has errors, 2 the command could
//! not run.

mod allocator;

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand, ValueEnum};

use rayon::prelude::*;
use secbook::cli::export;
use secbook::cli::formats::{self, Format};
use secbook::cli::notify;
use secbook::cli::report::Report;
use secbook::cli::serve;
use secbook::cli::{import, init, new};
use secbook::diagnostics::{self, Diagnostic, Error, Level, visible};
use secbook::load::config::SmtpUrl;
use secbook::model::date::Date;
use secbook::pipeline::{self, Options};
use secbook::validate::findings::Coverage;

/// jemalloc, and the system allocator for large blocks: see [`allocator`].
#[global_allocator]
static ALLOCATOR: allocator::Allocator = allocator::Allocator;

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
        /// Output folder, replaced only when the build succeeds, and only when secbook wrote
        /// it (it holds a .secbook-output file) or it is empty or new.
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// Replace an output folder that secbook did not write, and everything in it. The
        /// handbook folder, a folder that holds it, and its content/, data/, static/ and
        /// themes/ are refused even so.
        #[arg(long)]
        force: bool,
        /// Base URL the site is served from (links are relative either way).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// The audience of handbook.yaml to build for: only the records and pages it may
        /// read, its `redact` fields redacted. Without it, `default_audience`, else the
        /// whole handbook.
        #[arg(long, value_name = "NAME")]
        audience: Option<String>,
    },
    /// Check the handbook and report every problem, writing nothing.
    Check {
        #[command(flatten)]
        common: Common,
        /// How to print errors and findings.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Write a new handbook with the starter content: both programs, example records.
    Init {
        /// The folder to write; it must be empty or not exist yet.
        dir: PathBuf,
        /// Write into a folder that is not empty, replacing files of the same name.
        #[arg(long)]
        force: bool,
        /// Write the pages, templates and policy only: no example records or people.
        #[arg(long)]
        no_examples: bool,
    },
    /// Write a new record with the next id and a TODO marker in every field to fill in.
    New {
        /// The kind of record.
        #[arg(value_enum)]
        kind: NewKind,
        /// The handbook folder.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The record's title, in one line.
        #[arg(long, value_name = "TITLE")]
        title: String,
    },
    /// Turn a file of another tool into records.
    #[command(subcommand)]
    Import(Import),
    /// Write the register in a format other tools read.
    #[command(subcommand)]
    Export(Export),
    /// Print the weekly report to risk owners: expired, expiring and pending exceptions and
    /// overdue action items, grouped by owner.
    Report {
        /// The handbook folder.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The date every time-based state is computed against (YYYY-MM-DD).
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        as_of: Option<Date>,
        /// Only this owner's part, by email (case does not matter).
        #[arg(long, value_name = "EMAIL")]
        owner: Option<String>,
        /// Markdown to paste into an email or a chat, or JSON.
        #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
        format: ReportFormat,
        /// The audience of handbook.yaml to report for: only the records and pages it may
        /// read, its `redact` fields redacted. Without it, `default_audience`, else the
        /// whole handbook.
        #[arg(long, value_name = "NAME")]
        audience: Option<String>,
    },
    /// Mail each person with something to act on their part of the weekly report, as
    /// `report` lists it: through `notify.smtp`, or into .eml files.
    Notify {
        /// The handbook folder.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The date every time-based state is computed against (YYYY-MM-DD).
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        as_of: Option<Date>,
        /// Only this person's message, by email (case does not matter).
        #[arg(long, value_name = "EMAIL")]
        owner: Option<String>,
        /// Send through this server instead of `notify.smtp`: smtp://HOST[:PORT] (STARTTLS,
        /// port 587) or smtps://HOST[:PORT] (TLS, port 465).
        #[arg(long, value_name = "URL", value_parser = SmtpUrl::parse, conflicts_with = "outbox")]
        smtp: Option<SmtpUrl>,
        /// Write each message as an RFC 5322 .eml file into DIR instead of sending it.
        #[arg(long, value_name = "DIR")]
        outbox: Option<PathBuf>,
        /// List who would get what, and send and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The site's absolute URL, which the messages link to, instead of `base_url`.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// The audience of handbook.yaml to write the messages for: only the records and pages it may
        /// read, its `redact` fields redacted. Without it, `default_audience`, else the
        /// whole handbook.
        #[arg(long, value_name = "NAME")]
        audience: Option<String>,
    },
    /// Preview the site on this machine, rebuilding and reloading on every change.
    Serve {
        /// The handbook folder.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Address to listen on; loopback unless you mean to share the preview with every
        /// machine that can reach this one (secbook warns when you do).
        #[arg(long, default_value = "127.0.0.1")]
        bind: IpAddr,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// The audience of handbook.yaml to preview the site for: only the records and pages it may
        /// read, its `redact` fields redacted. Without it, `default_audience`, else the
        /// whole handbook.
        #[arg(long, value_name = "NAME")]
        audience: Option<String>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum NewKind {
    /// data/exceptions/<id>.yaml
    Exception,
    /// data/incidents/<id>.yaml
    Incident,
}

#[derive(Subcommand)]
enum Import {
    /// The exception tracker CSV: one exception a row, every assumption reported.
    Tracker {
        /// The CSV file, with the header `Priority, Status, Decision date, ...`.
        file: PathBuf,
        /// The handbook folder.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum Export {
    /// The exception tracker CSV, as the build writes it to exports/exceptions.csv.
    Tracker {
        /// The handbook folder.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Write to this file instead of the standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The audience of handbook.yaml to export for: only the records and pages it may
        /// read, its `redact` fields redacted. Without it, `default_audience`, else the
        /// whole handbook.
        #[arg(long, value_name = "NAME")]
        audience: Option<String>,
    },
    /// The approved and pending exceptions as an OSCAL plan of action and milestones, as the
    /// build writes it to exports/poam.json.
    Poam {
        /// The handbook folder.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Write to this file instead of the standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The audience of handbook.yaml to export for: only the records and pages it may
        /// read, its `redact` fields redacted. Without it, `default_audience`, else the
        /// whole handbook.
        #[arg(long, value_name = "NAME")]
        audience: Option<String>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    /// Headings per owner and bullet lists, to paste into an email or a chat.
    Markdown,
    /// The same structure as JSON.
    Json,
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
    match cli.command {
        Command::Check { common, format } if format != Format::Human => check(common, format),
        command => finish(run(command)),
    }
}

/// Prints what a command for people did, and says how it ended.
fn finish(result: Result<(Vec<Diagnostic>, String), Error>) -> ExitCode {
    match result {
        Ok((warnings, summary)) => {
            report(&warnings);
            eprintln!("{}", visible(&summary));
            ExitCode::SUCCESS
        }
        Err(Error::Invalid(diags)) => {
            report(&diags);
            ExitCode::from(1)
        }
        Err(err) => failed(&err),
    }
}

/// The command could not run: exit status 2.
fn failed(err: &Error) -> ExitCode {
    eprintln!("error: {}", visible(&err.to_string()));
    ExitCode::from(2)
}

/// `check` for machines: every error and finding on the standard output in `format`;
/// exit status 1 when the handbook has errors or denied findings, as for people.
fn check(common: Common, format: Format) -> ExitCode {
    let prefix = formats::repository_prefix(&common.dir);
    let (checked, coverage) = match pipeline::check_covered(&common.options()) {
        Ok(done) => done,
        Err(Error::Invalid(diags)) => (Err(Error::Invalid(diags)), Coverage::default()),
        Err(err) => return failed(&err),
    };
    let (diags, status) = match checked {
        Ok(g) => (g.warnings, ExitCode::SUCCESS),
        Err(Error::Invalid(diags)) => (diags, ExitCode::from(1)),
        Err(err) => return failed(&err),
    };
    let context = formats::Context::new(&coverage, prefix);
    let text = formats::render(format, &diags, &context);
    match write_out(text.as_bytes(), None) {
        Ok(_) => status,
        Err(err) => failed(&err),
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
            force,
            audience,
        } => {
            let out = output.unwrap_or_else(|| common.dir.join("public"));
            let options = Options {
                base_url,
                drafts,
                force,
                audience,
                ..common.options()
            };
            let g = pipeline::build(&options, &out)?;
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
            Ok((g.warnings, summary))
        }
        Command::Serve {
            dir,
            port,
            bind,
            drafts,
            audience,
        } => {
            let options = Options {
                root: dir,
                drafts,
                audience,
                ..Options::default()
            };
            serve::serve(options, SocketAddr::new(bind, port))?;
            Ok((Vec::new(), String::new()))
        }
        Command::Init {
            dir,
            force,
            no_examples,
        } => {
            let starter = if no_examples {
                init::Starter::Bare
            } else {
                init::Starter::Examples
            };
            let done = init::init(&dir, force, starter)?;
            Ok((
                Vec::new(),
                format!(
                    "wrote a new handbook with the starter content into {} ({} files); \
                     build it with `secbook build {}`",
                    dir.display(),
                    done.files,
                    dir.display()
                ),
            ))
        }
        Command::New { kind, dir, title } => {
            let kind = match kind {
                NewKind::Exception => new::RecordKind::Exception,
                NewKind::Incident => new::RecordKind::Incident,
            };
            let rel = new::new_record(&dir, kind, &title)?;
            if dir == std::path::Path::new(".") {
                println!("{rel}");
            } else {
                println!("{}", dir.join(&rel).display());
            }
            Ok((
                Vec::new(),
                format!("wrote {rel}: replace its TODO markers; `secbook check` lists those left"),
            ))
        }
        Command::Import(Import::Tracker { file, dir }) => {
            let imported = import::import(&dir, &file)?;
            for line in &imported.notes {
                eprintln!("{}", visible(line));
            }
            let range = match (imported.written.first(), imported.written.last()) {
                (Some(first), Some(last)) if first != last => format!(" as {first} to {last}"),
                (Some(only), _) => format!(" as {only}"),
                _ => String::new(),
            };
            let skipped = match imported.skipped {
                0 => String::new(),
                n => format!("; skipped {n} row(s) already in the register or in the file"),
            };
            let todos = match imported.todos {
                0 => String::new(),
                n => format!(
                    "; {n} TODO marker(s) to replace: `secbook check` lists them as warnings"
                ),
            };
            Ok((
                Vec::new(),
                format!(
                    "imported {} exception(s) from {}{range}{skipped}{todos}",
                    imported.written.len(),
                    file.display(),
                ),
            ))
        }
        Command::Export(Export::Tracker {
            dir,
            output,
            audience,
        }) => {
            let options = Options {
                root: dir,
                audience,
                ..Options::default()
            };
            let (csv, warnings) = export::tracker(&options)?;
            let rows = csv
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                .saturating_sub(1);
            let to = write_out(&csv, output)?;
            // The findings are the handbook's, not the export's: `check` is where to read them.
            let findings = match warnings.len() {
                0 => String::new(),
                n => format!("; the handbook has {n} warning(s): `secbook check` lists them"),
            };
            Ok((
                Vec::new(),
                format!("exported {rows} exception(s) to {to}{findings}"),
            ))
        }
        Command::Export(Export::Poam {
            dir,
            output,
            audience,
        }) => {
            let options = Options {
                root: dir,
                audience,
                ..Options::default()
            };
            let (json, warnings) = export::poam(&options)?;
            let to = write_out(&json, output)?;
            Ok((
                warnings,
                format!("exported the OSCAL plan of action and milestones to {to}"),
            ))
        }
        Command::Report {
            dir,
            as_of,
            owner,
            format,
            audience,
        } => {
            let options = Options {
                root: dir,
                as_of,
                audience,
                ..Options::default()
            };
            let (handbook, _) = pipeline::load_handbook(&options)?;
            let report = Report::compute(&handbook, owner.as_deref());
            let text = match format {
                ReportFormat::Markdown => report.to_markdown(&handbook.config.base_url),
                ReportFormat::Json => report.to_json(),
            };
            write_out(text.as_bytes(), None)?;
            let summary = match (&owner, report.owners.len()) {
                (Some(who), 0) => {
                    format!("nothing needs action from {who} (as of {})", report.as_of)
                }
                (_, n) => format!(
                    "{n} owner(s) with something to act on (as of {})",
                    report.as_of
                ),
            };
            Ok((Vec::new(), summary))
        }
        Command::Notify {
            dir,
            as_of,
            owner,
            smtp,
            outbox,
            dry_run,
            base_url,
            audience,
        } => {
            let options = Options {
                root: dir,
                as_of,
                audience,
                ..Options::default()
            };
            // The findings are `check`'s to report, as for `report`.
            let (handbook, _) = pipeline::load_handbook(&options)?;
            let delivery = match (dry_run, outbox) {
                (true, _) => notify::Delivery::DryRun,
                (false, Some(dir)) => notify::Delivery::Outbox(dir),
                (false, None) => notify::Delivery::Smtp(smtp),
            };
            let options = notify::Options {
                owner,
                base_url,
                delivery,
            };
            let summary = notify::run(&handbook, &options, &mut std::io::stdout().lock())?;
            Ok((Vec::new(), summary))
        }
        Command::Check { common, .. } => {
            let g = pipeline::check(&common.options())?;
            let summary = format!("no errors (as of {})", g.as_of);
            Ok((g.warnings, summary))
        }
    }
}

/// Writes `bytes` to `output`, or to the standard output; says where, for the summary.
fn write_out(bytes: &[u8], output: Option<PathBuf>) -> Result<String, Error> {
    match output {
        Some(path) => {
            std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
            Ok(path.display().to_string())
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(bytes)
                .and_then(|()| stdout.flush())
                .map_err(|e| Error::io(std::path::Path::new("<stdout>"), e))?;
            Ok("the standard output".to_string())
        }
    }
}

/// Prints every diagnostic, then a count.
fn report(diags: &[Diagnostic]) {
    // Rendered in parallel, a batch at a time, and each batch written in one go: a large
    // register has thousands of findings, and each one written on its own costs a system
    // call; a handbook with a million errors would hold all their text at once.
    let mut stderr = std::io::stderr().lock();
    for batch in diags.chunks(1 << 16) {
        let parts: Vec<String> = batch
            .par_chunks(1 << 9)
            .map(|chunk| {
                let mut text = String::new();
                chunk.iter().for_each(|d| d.render_into(&mut text));
                text
            })
            .collect();
        for part in parts {
            let _ = stderr.write_all(part.as_bytes());
        }
    }
    drop(stderr);
    let errors = diagnostics::errors(diags);
    let warnings = diags.iter().filter(|d| d.level == Level::Warning).count();
    if errors > 0 {
        eprintln!("{errors} error(s), {warnings} warning(s)");
    } else if warnings > 0 {
        eprintln!("{warnings} warning(s)");
    }
}
