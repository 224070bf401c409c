//! `secbook notify` (SPEC 13): the reporting automation of the exception program. Each
//! person with something to act on gets, by email, the part of the weekly report
//! ([`crate::cli::report`]) that `report` lists for them, and nobody gets an empty message.
//!
//! [`compose`] makes the messages, [`send`] hands them to the SMTP server.

mod compose;
mod send;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::Done;
use crate::cli::report::Report;
use crate::derive::handbook::Handbook;
use crate::diagnostics::{Diagnostic, Error};
use crate::load::config::SmtpUrl;
use crate::model::date;
use crate::model::links::{absolute_base, base_problem};
use crate::pipeline;
use crate::render::OutputFile;
use crate::write::output::{Holds, Staging};

pub use compose::Mail;
pub use send::{CA_FILE_VAR, PASSWORD_VAR, USERNAME_VAR};

/// How the messages leave.
pub enum Delivery {
    /// Through an SMTP server: this one, else `notify.smtp`.
    Smtp(Option<SmtpUrl>),
    /// As `.eml` files into this folder; nothing is sent.
    Outbox(Outbox),
    /// Only a list of who would get what.
    DryRun,
}

/// The folder the messages are written into, claimed as a build claims its output (SPEC 8):
/// replaced whole, and only when it is secbook's own, so no file that notify did not write
/// is replaced or deleted.
pub struct Outbox {
    dir: PathBuf,
    /// Boxed: a staging folder keeps the list of what it wrote.
    staging: Box<Staging>,
}

impl Outbox {
    /// Claims `dir` for the messages of the handbook at `root`, before the handbook is
    /// read, so that a refused outbox costs nothing; `force` as for `build`.
    pub fn claim(root: &Path, dir: PathBuf, force: bool) -> Result<Outbox, Error> {
        crate::pipeline::check_root(root)?;
        let staging = Staging::create(root, &dir, force, Holds::Messages)?;
        Ok(Outbox {
            dir,
            staging: Box::new(staging),
        })
    }
}

pub struct Options {
    /// Only this person's message, by email.
    pub owner: Option<String>,
    /// Instead of handbook.yaml's `base_url`.
    pub base_url: Option<String>,
    pub delivery: Delivery,
}

/// `secbook notify`: the handbook `handbook` selects, its messages delivered with a line
/// per message on the standard output. The handbook's findings are `check`'s to report,
/// as for `report`.
pub fn run(handbook: &pipeline::Options, options: Options) -> Result<Done, Error> {
    let (handbook, _) = pipeline::load_handbook(handbook)?;
    deliver(&handbook, options, &mut std::io::stdout().lock())
}

/// 9999-12-31T23:59:59Z, the last second a four-digit year can say.
const MAIL_DATE_MAX: i64 = 253_402_300_799;

/// Makes every message and delivers it, writing a line per message to `out`. Returns the
/// summary, and a warning when the outbox's previous messages could not be removed; a
/// message that could not be made or sent is an error of its own, reported
/// once the others are delivered.
pub fn deliver(handbook: &Handbook, options: Options, out: &mut dyn Write) -> Result<Done, Error> {
    let Some(config) = &handbook.config.notify else {
        return Err(Error::Usage(
            "handbook.yaml has no `notify` settings: add `notify:` with `from:` and \
             `fallback:` (and `smtp:` to send), see the README"
                .into(),
        ));
    };
    let base_url = options
        .base_url
        .as_deref()
        .unwrap_or(&handbook.config.base_url);
    let Some(base) = absolute_base(base_url) else {
        let why = base_problem(base_url).unwrap_or_else(|| "is not absolute".into());
        return Err(Error::Usage(format!(
            "the messages link to the record pages, which needs an absolute base_url, and \
             `{base_url}` {why}: set `base_url: https://...` in handbook.yaml or pass --base-url"
        )));
    };
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
    let made = date::now(epoch.as_deref()).map_err(Error::Usage)?;
    // A mail's Date says a year from 1970 to 9999 (RFC 5322's four digits, after the epoch
    // SystemTime counts from): SOURCE_DATE_EPOCH may say any.
    if !(0..=MAIL_DATE_MAX).contains(&made.timestamp()) {
        return Err(Error::Usage(format!(
            "SOURCE_DATE_EPOCH {} is not a time a mail's Date can say: give one from 1970 to \
             the end of 9999",
            made.timestamp()
        )));
    }
    if let Some(who) = &options.owner {
        crate::cli::report::known_owner(handbook, who)?;
    }
    let report = Report::compute(handbook, options.owner.as_deref());
    let identity = handbook.config.identity();
    let context = compose::Context {
        report: &report,
        from: &config.from,
        base: &base,
        identity: &identity,
        date: made.into(),
    };
    let mut failures = Vec::new();
    let mut mails = Vec::new();
    for owner in &report.owners {
        match context.compose(owner) {
            Ok(mail) => mails.push(mail),
            Err(why) => failures.push(Diagnostic::error(format!(
                "no message for {}: {why}",
                owner.name
            ))),
        }
    }
    let as_of = report.as_of;
    let mut line =
        |text: String| writeln!(out, "{text}").map_err(|e| Error::io(Path::new("<stdout>"), e));
    let mut warnings = report.warnings.clone();
    let summary = match options.delivery {
        Delivery::DryRun => {
            for mail in &mails {
                line(format!("{}: {}", mail.to, listing(mail)))?;
            }
            format!(
                "would send {} message(s) (as of {as_of}); nothing was sent",
                mails.len()
            )
        }
        Delivery::Outbox(Outbox { dir, staging }) => {
            let mut names = Vec::new();
            for mail in &mails {
                // A plain name of its own, as Staging::write needs: see file_name.
                let name = file_name(mail.to.email.as_ref(), &names);
                staging.write(&OutputFile::bytes(&name, mail.message.formatted()))?;
                names.push(name);
            }
            warnings.extend(staging.commit()?);
            for (mail, name) in mails.iter().zip(&names) {
                let path = dir.join(name);
                line(format!(
                    "wrote {} for {}: {}",
                    path.display(),
                    mail.to,
                    listing(mail)
                ))?;
            }
            format!(
                "wrote {} message(s) to {} (as of {as_of}); nothing was sent",
                mails.len(),
                dir.display()
            )
        }
        Delivery::Smtp(url) => {
            let Some(url) = url.as_ref().or(config.smtp.as_ref()) else {
                return Err(Error::Usage(
                    "no SMTP server to send through: set `notify.smtp` in handbook.yaml or \
                     pass --smtp URL (or --outbox DIR to write the messages to files)"
                        .into(),
                ));
            };
            let server = send::Server::new(url, Duration::from_secs(config.timeout_seconds))?;
            let mut sent = 0;
            let mut written = Ok(());
            server.send_all(&mails, |mail, result| match result {
                Ok(()) => {
                    sent += 1;
                    if written.is_ok() {
                        written = line(format!("sent to {}: {}", mail.to, listing(mail)));
                    }
                }
                Err(why) => failures.push(Diagnostic::error(format!(
                    "not sent to {}: {why}",
                    mail.to.email
                ))),
            });
            written?;
            format!(
                "sent {sent} of {} message(s) through {url} (as of {as_of})",
                mails.len()
            )
        }
    };
    if failures.is_empty() {
        let summary = match (&options.owner, mails.len()) {
            (Some(who), 0) => format!("nothing needs action from {who} (as of {as_of})"),
            _ => summary,
        };
        Ok(Done { warnings, summary })
    } else {
        // On standard error, where a run that sent all says it too.
        crate::tell!("{}", crate::diagnostics::visible(&summary));
        Err(Error::Invalid(failures))
    }
}

/// "4 items (EXC-001, EXC-003, EXC-012, INC-004)": what a message holds.
fn listing(mail: &Mail) -> String {
    let noun = if mail.items == 1 { "item" } else { "items" };
    format!("{} {noun} ({})", mail.items, mail.ids.join(", "))
}

/// The `.eml` file of a message to `email`: the address, with what a file name cannot
/// hold replaced (so no folder and no leading dot), unique among
/// `taken` whatever the case.
fn file_name(email: &str, taken: &[String]) -> String {
    let stem: String = email
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '_' | '+' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let stem = stem.trim_start_matches('.');
    (1..)
        .map(|n| match n {
            1 => format!("{stem}.eml"),
            n => format!("{stem}-{n}.eml"),
        })
        .find(|name| !taken.contains(name))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_the_address_and_unique() {
        let taken = vec!["a@x.com.eml".to_string()];
        assert_eq!(file_name("A@X.com", &taken), "a@x.com-2.eml");
        assert_eq!(file_name("../b/c@x.com", &[]), "-b-c@x.com.eml");
    }
}
