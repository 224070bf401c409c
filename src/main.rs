//! The command line. Exit status: 0 success, 1 the handbook has errors, 2 the command could
//! not run.

mod allocator;
mod hash_seeds;

use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use rayon::prelude::*;
use secbook::cli::formats::Format;
use secbook::cli::{Done, build, check, export, import, init, new, notify, report, serve};
use secbook::diagnostics::{self, Diagnostic, Error, Level, visible};
use secbook::load::config::SmtpUrl;
use secbook::model::date::Date;
use secbook::pipeline::{self, Options};

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
    /// Check the handbook and report every problem, writing no file but the history cache.
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
        /// The handbook folder; without it, the nearest of the current folder and the
        /// folders above it that holds handbook.yaml.
        dir: Option<PathBuf>,
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
        /// The handbook folder; without it, the nearest of the current folder and the
        /// folders above it that holds handbook.yaml.
        dir: Option<PathBuf>,
        /// The date every time-based state is computed against (YYYY-MM-DD).
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        as_of: Option<Date>,
        /// Only this owner's part, by email (case does not matter).
        #[arg(long, value_name = "EMAIL")]
        owner: Option<String>,
        /// Markdown to paste into an email or a chat, or JSON.
        #[arg(long, value_enum, default_value_t = report::Format::Markdown)]
        format: report::Format,
        /// The audience of handbook.yaml to report for: only the records and pages it may
        /// read, its `redact` fields redacted. Without it, `default_audience`, else the
        /// whole handbook.
        #[arg(long, value_name = "NAME")]
        audience: Option<String>,
    },
    /// Mail each person with something to act on their part of the weekly report, as
    /// `report` lists it: through `notify.smtp`, or into .eml files.
    Notify {
        /// The handbook folder; without it, the nearest of the current folder and the
        /// folders above it that holds handbook.yaml.
        dir: Option<PathBuf>,
        /// The date every time-based state is computed against (YYYY-MM-DD).
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        as_of: Option<Date>,
        /// Only this person's message, by email (case does not matter).
        #[arg(long, value_name = "EMAIL")]
        owner: Option<String>,
        /// Send through this server instead of `notify.smtp`: smtp://HOST[:PORT] (STARTTLS,
        /// port 587) or smtps://HOST[:PORT] (TLS, port 465).
        #[arg(long, value_name = "URL", value_parser = SmtpUrlParser, conflicts_with = "outbox")]
        smtp: Option<SmtpUrl>,
        /// Write each message as an RFC 5322 .eml file into DIR instead of sending it.
        /// The folder is replaced whole, and only when notify or build wrote it (it holds a
        /// .secbook-output file) or it is empty or new.
        #[arg(long, value_name = "DIR")]
        outbox: Option<PathBuf>,
        /// Replace an outbox that secbook did not write, and everything in it.
        #[arg(long, requires = "outbox")]
        force: bool,
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
        /// The handbook folder; without it, the nearest of the current folder and the
        /// folders above it that holds handbook.yaml.
        dir: Option<PathBuf>,
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Address or host name to listen on; loopback unless you mean to share the preview
        /// with every machine that can reach this one (secbook warns when you do).
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
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
        /// The CSV file, with the header `Priority, Status, Decision date, ...` (`-` is the
        /// standard input).
        file: PathBuf,
        /// The handbook folder; without it, the nearest of the current folder and the
        /// folders above it that holds handbook.yaml.
        dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum Export {
    /// The exception tracker CSV, as the build writes it to exports/exceptions.csv.
    Tracker {
        /// The handbook folder; without it, the nearest of the current folder and the
        /// folders above it that holds handbook.yaml.
        dir: Option<PathBuf>,
        /// Write to this file instead of the standard output (`-` is the standard output).
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
        /// The handbook folder; without it, the nearest of the current folder and the
        /// folders above it that holds handbook.yaml.
        dir: Option<PathBuf>,
        /// Write to this file instead of the standard output (`-` is the standard output).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The audience of handbook.yaml to export for: only the records and pages it may
        /// read, its `redact` fields redacted. Without it, `default_audience`, else the
        /// whole handbook.
        #[arg(long, value_name = "NAME")]
        audience: Option<String>,
    },
}

#[derive(Args)]
struct Common {
    /// The handbook folder; without it, the nearest of the current folder and the folders
    /// above it that holds handbook.yaml.
    dir: Option<PathBuf>,
    /// The date every time-based state is computed against (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<Date>,
    /// Treat every finding that would warn as an error.
    #[arg(long)]
    strict: bool,
    /// Compare the records with this git revision (raises the change findings).
    #[arg(long, value_name = "REV")]
    baseline: Option<String>,
    /// Read each record's history from git, as `history.enabled: true` in handbook.yaml does.
    #[arg(long)]
    history: bool,
}

impl Common {
    /// The options, for the handbook in `root` (see [`locate`]).
    fn options(self, root: PathBuf) -> Options {
        Options {
            root,
            as_of: self.as_of,
            strict: self.strict,
            baseline: self.baseline,
            history: self.history,
            ..Options::default()
        }
    }
}

fn parse_date(s: &str) -> Result<Date, String> {
    // As a date in a file is told: `2026-02-30` is written right, and no day.
    Date::read(s).map_err(|why| match why.starts_with("invalid date") {
        true => format!("{why}: expected a real date written YYYY-MM-DD"),
        false => why,
    })
}

/// `--smtp`, told as clap tells a bad value, but without repeating it: the URL may hold a
/// password, which [`SmtpUrl::parse`] refuses and names no value of.
#[derive(Clone)]
struct SmtpUrlParser;

impl clap::builder::TypedValueParser for SmtpUrlParser {
    type Value = SmtpUrl;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<SmtpUrl, clap::Error> {
        let refused = |why: String| {
            let arg = arg.map_or_else(|| "--smtp".to_string(), ToString::to_string);
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("invalid value for '{arg}': {why}\n"),
            )
            .with_cmd(cmd)
        };
        let text = value
            .to_str()
            .ok_or_else(|| refused("it is not UTF-8".into()))?;
        SmtpUrl::parse(text).map_err(refused)
    }
}

fn main() -> ExitCode {
    hash_seeds::install();
    // A write past a limit on file size (`ulimit -f`) then fails, and is told and cleaned
    // up after as any failed write is, where the signal killed the process without a word
    // and left its temporary files, in the handbook too for an import.
    // SAFETY: sets the disposition of one signal before any thread is started.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let cli = Cli::parse();
    if let Err(e) = start_threads() {
        secbook::tell!(
            "error: cannot start a thread: {e}\n = help: a limit on processes stops it \
             (`ulimit -u`, or a container's pids limit); raise it"
        );
        return ExitCode::from(2);
    }
    match cli.command {
        Command::Check { mut common, format } if format != Format::Human => {
            let checked = locate(common.dir.take())
                .and_then(|root| check::for_machines(&common.options(root), format));
            match checked {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(err) => failed(&err),
            }
        }
        command => finish(run(command)),
    }
}

/// Starts the threads the work is shared among now, where a failure can be told: started
/// at their first use, a limit on processes made rayon panic.
fn start_threads() -> Result<(), rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new().build_global()
}

/// The handbook folder of a command: `dir` as given, else the nearest of the current
/// folder and the folders above it that holds handbook.yaml, as Cargo and Zola find theirs,
/// as the current folder sees it (`../..`). The command then runs as it would with that
/// DIR given: public/ is the handbook's, and a path on the command line is where it was run.
fn locate(dir: Option<PathBuf>) -> Result<PathBuf, Error> {
    if let Some(root) = dir {
        return Ok(root);
    }
    let cwd = std::env::current_dir().map_err(|e| match e.kind() {
        // The shell stays in a folder a build replaced, when it was run in its output.
        std::io::ErrorKind::NotFound => Error::Usage(
            "the current folder no longer exists (a build replaces its output folder whole): \
             `cd` into it again, or run secbook from the handbook folder"
                .into(),
        ),
        _ => Error::io(Path::new("."), e),
    })?;
    let Some(found) = pipeline::find_handbook(&cwd) else {
        return Err(Error::Usage(format!(
            "no handbook.yaml in {} or any folder above it: run secbook in a handbook's \
             folder or give that folder as DIR, or start a new handbook with \
             `secbook init NEW-FOLDER`",
            cwd.display()
        )));
    };
    let below = cwd.strip_prefix(found).unwrap_or(Path::new(""));
    Ok(match below.components().count() {
        0 => PathBuf::from("."),
        _ => below.components().map(|_| Component::ParentDir).collect(),
    })
}

/// Prints what a command for people did, and says how it ended.
fn finish(result: Result<Done, Error>) -> ExitCode {
    match result {
        Ok(done) => {
            print_diagnostics(&done.warnings);
            secbook::tell!("{}", visible(&done.summary));
            ExitCode::SUCCESS
        }
        Err(Error::Invalid(diags)) => {
            print_diagnostics(&diags);
            ExitCode::from(1)
        }
        Err(err) => failed(&err),
    }
}

/// The command could not run: exit status 2. Output cut short by its reader (`| head`)
/// is not told, as ripgrep does not tell it: the reader asked for no more.
fn failed(err: &Error) -> ExitCode {
    if !matches!(err, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe) {
        secbook::tell!("error: {}", visible(&err.to_string()));
    }
    ExitCode::from(2)
}

/// Hands a command for people to its module in cli/.
fn run(command: Command) -> Result<Done, Error> {
    match command {
        Command::Build {
            mut common,
            output,
            base_url,
            drafts,
            force,
            audience,
        } => {
            let root = locate(common.dir.take())?;
            let options = Options {
                base_url,
                drafts,
                force,
                audience,
                ..common.options(root)
            };
            build::run(&options, output)
        }
        Command::Check { mut common, .. } => {
            let root = locate(common.dir.take())?;
            check::run(&common.options(root))
        }
        Command::Serve {
            dir,
            port,
            bind,
            drafts,
            audience,
        } => {
            let options = Options {
                root: locate(dir)?,
                drafts,
                audience,
                ..Options::default()
            };
            serve::serve(options, &bind, port)?;
            Ok(Done::default())
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
            init::run(&dir, force, starter)
        }
        Command::New { kind, dir, title } => {
            let kind = match kind {
                NewKind::Exception => new::RecordKind::Exception,
                NewKind::Incident => new::RecordKind::Incident,
            };
            new::run(&locate(dir)?, kind, &title)
        }
        Command::Import(Import::Tracker { file, dir }) => import::run(&locate(dir)?, &file),
        Command::Export(Export::Tracker {
            dir,
            output,
            audience,
        }) => export::tracker(&seen_by(locate(dir)?, audience), output),
        Command::Export(Export::Poam {
            dir,
            output,
            audience,
        }) => export::poam(&seen_by(locate(dir)?, audience), output),
        Command::Report {
            dir,
            as_of,
            owner,
            format,
            audience,
        } => {
            let options = Options {
                as_of,
                ..seen_by(locate(dir)?, audience)
            };
            report::run(&options, owner.as_deref(), format)
        }
        Command::Notify {
            dir,
            as_of,
            owner,
            smtp,
            outbox,
            force,
            dry_run,
            base_url,
            audience,
        } => {
            let root = locate(dir)?;
            let options = Options {
                as_of,
                ..seen_by(root, audience)
            };
            let delivery = match (dry_run, outbox) {
                (true, _) => notify::Delivery::DryRun,
                (false, Some(dir)) => {
                    notify::Delivery::Outbox(notify::Outbox::claim(&options.root, dir, force)?)
                }
                (false, None) => notify::Delivery::Smtp(smtp),
            };
            let notify = notify::Options {
                owner,
                base_url,
                delivery,
            };
            notify::run(&options, notify)
        }
    }
}

/// The options of a command that only reads the handbook: the one in `root`, as `audience`
/// sees it.
fn seen_by(root: PathBuf, audience: Option<String>) -> Options {
    Options {
        root,
        audience,
        ..Options::default()
    }
}

/// Prints every diagnostic, then a count.
fn print_diagnostics(diags: &[Diagnostic]) {
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
    // The count is of the reports printed; a report of a repeated problem names its places.
    let places = diagnostics::error_places(diags);
    if errors > 0 && places > errors {
        secbook::tell!("{errors} error(s) at {places} places, {warnings} warning(s)");
    } else if errors > 0 {
        secbook::tell!("{errors} error(s), {warnings} warning(s)");
    } else if warnings > 0 {
        secbook::tell!("{warnings} warning(s)");
    }
}
