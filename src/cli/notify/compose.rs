//! One person's part of the weekly report as an email: a plain-text part and an HTML part
//! in the site's look. The HTML has inline styles only and loads nothing: no image, no
//! script, no style sheet; its only links are to the record pages under `base_url`.
//!
//! The same report, as-of date and time of making give the same bytes: the MIME boundary
//! derives from the content, so the `.eml` files of `--outbox` are what the server gets.

use std::time::SystemTime;

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};

use crate::cli::report::{OwnerReport, Register, Report};
use crate::load::config::Identity;
use crate::load::markdown::escape_html as esc;
use crate::model::person::ascii_domain;
use crate::model::text::bidi_closed;

/// One message, ready to send or to write out.
pub struct Mail {
    pub to: Mailbox,
    pub subject: String,
    /// How many items need the recipient's action.
    pub items: usize,
    /// The record ids, in the order the message lists them.
    pub ids: Vec<String>,
    pub message: Message,
}

/// What every message of one run shares.
pub struct Context<'a> {
    pub report: &'a Report,
    pub from: &'a Mailbox,
    /// The absolute base URL, with its trailing slash.
    pub base: &'a str,
    pub identity: &'a Identity,
    /// When the messages were made, their Date (RFC 5322 3.6.1): not the as-of date, which
    /// may be weeks past, and which spam filters score far from the time it arrives.
    pub date: SystemTime,
}

impl Context<'_> {
    /// `owner`'s message, or why there can be none.
    pub fn compose(&self, owner: &OwnerReport) -> Result<Mail, String> {
        let Some(email) = &owner.email else {
            return Err(format!("{} has no email address", owner.name));
        };
        let address = email
            .trim()
            .parse()
            .map(ascii_domain)
            .map_err(|e| format!("`{email}` is not an email address ({e})"))?;
        // An address with no name is not named by itself, as spam filters would score it.
        let name = (owner.name.trim() != email.trim()).then(|| one_line(&owner.name));
        let to = Mailbox::new(name, address);
        let items = owner.count();
        let subject = format!(
            "{}: {} need{} your action (as of {})",
            one_line(&self.report.title),
            plural(items, "item"),
            if items == 1 { "s" } else { "" },
            self.report.as_of
        );
        let text = self.text(owner, items);
        let html = self.html(owner, items, &subject);
        // The same message gets the same id, so a run repeated is recognisable; one that
        // says something else (another audience's, or a record corrected since) gets its
        // own (RFC 5322 3.6.4), which a mailbox that drops an id it holds would drop.
        let id = self.identity.uuid(&format!(
            "notify/{}/{}\n{text}\n{html}",
            self.report.as_of,
            to.email.to_string().to_lowercase()
        ));
        // Made from the content (through the id), which therefore cannot hold it.
        let boundary = self.identity.uuid(&format!("notify-boundary/{id}"));
        let message = Message::builder()
            .from(Mailbox::new(
                self.from.name.as_deref().map(one_line),
                self.from.email.clone(),
            ))
            .to(to.clone())
            .subject(subject.clone())
            .message_id(Some(format!("<{id}@{}>", self.from.email.domain())))
            .date(self.date)
            .multipart(
                MultiPart::alternative()
                    .boundary(format!("=_{}", boundary.simple()))
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(text),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(html),
                    ),
            )
            .map_err(|e| format!("the message to {email} could not be made: {e}"))?;
        let ids = self
            .report
            .sections(owner)
            .iter()
            .flat_map(|s| s.lines.iter().map(|l| l.id.to_string()))
            .collect();
        Ok(Mail {
            to,
            subject,
            items,
            ids,
            message,
        })
    }

    fn text(&self, owner: &OwnerReport, items: usize) -> String {
        let report = self.report;
        let mut out = format!(
            "Hello {},\n\n{} in {} need{} your action, as of {}.\n",
            bidi_closed(&owner.name),
            plural(items, "item"),
            bidi_closed(&report.title),
            if items == 1 { "s" } else { "" },
            report.as_of
        );
        if !owner.forwarded.is_empty() {
            out.push_str("\nYou get some of them for someone else:\n");
            for f in &owner.forwarded {
                out.push_str(&format!("- {}\n", f.why()));
            }
        }
        for section in report.sections(owner) {
            out.push_str(&format!("\n{}\n\n", section.heading));
            for line in section.lines {
                out.push_str(&format!(
                    "- {} {} ({}): {}\n  {}{}\n",
                    line.id,
                    bidi_closed(line.title),
                    line.tags(),
                    line.detail,
                    self.base,
                    line.path()
                ));
            }
        }
        out.push_str(&format!(
            "\n-- \nThe handbook: {}\nSent by secbook notify from the weekly report of {}.\n",
            self.base,
            bidi_closed(&report.title)
        ));
        out
    }

    fn html(&self, owner: &OwnerReport, items: usize, subject: &str) -> String {
        let report = self.report;
        let base = esc(self.base);
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width\">\n<title>{}</title>\n\
             </head>\n<body style=\"margin:0;padding:0;background:{BG};color:{FG};\
             font-family:{FONT};line-height:1.6\">\n\
             <div style=\"padding:12px 24px;border-bottom:1px solid {LINE};background:{PANEL}\">\
             <a href=\"{base}\" style=\"font-weight:700;color:{FG};text-decoration:none;\
             font-size:17px\">{}</a></div>\n\
             <div style=\"max-width:800px;padding:8px 24px 24px\">\n\
             <h1 style=\"font-size:24px;line-height:1.25;margin:16px 0 8px\">Your part of the \
             weekly report</h1>\n<p style=\"margin:0 0 12px\">Hello {}, {} need{} your action, \
             as of {}.</p>\n",
            esc(subject),
            esc(&report.title),
            esc(&owner.name),
            plural(items, "item"),
            if items == 1 { "s" } else { "" },
            report.as_of
        );
        if !owner.forwarded.is_empty() {
            out.push_str(&format!(
                "<div style=\"margin:12px 0;padding:8px 12px;border-left:3px solid {WARN};\
                 background:{PANEL}\">\n<p style=\"margin:0\">You get some of them for someone \
                 else:</p>\n<ul style=\"margin:4px 0 0;padding-left:20px\">\n"
            ));
            for f in &owner.forwarded {
                out.push_str(&format!("<li>{}</li>\n", esc(&f.why())));
            }
            out.push_str("</ul>\n</div>\n");
        }
        for section in report.sections(owner) {
            out.push_str(&format!(
                "<h2 style=\"font-size:19px;line-height:1.3;margin:24px 0 8px\">{}</h2>\n\
                 <table style=\"border-collapse:collapse;width:100%;font-size:15px\">\n",
                esc(&section.heading)
            ));
            for line in section.lines {
                let badge = match line.register {
                    Register::Exceptions => format!(
                        "<span style=\"display:inline-block;padding:0 8px;border-radius:4px;\
                         font-size:13px;font-weight:600;border:1px solid currentColor;\
                         white-space:nowrap;color:{}\">{}</span>",
                        severity_colour(&line.badge),
                        esc(&line.badge)
                    ),
                    Register::Incidents => format!(
                        "<span style=\"font-family:{MONO};font-weight:700\">{}</span>",
                        esc(&line.badge)
                    ),
                };
                let notes: String = line
                    .notes
                    .iter()
                    .map(|n| format!(" <span style=\"color:{MUTED}\">{}</span>", esc(n)))
                    .collect();
                out.push_str(&format!(
                    "<tr><td style=\"{CELL};width:1%;white-space:nowrap\"><a href=\"{base}{}\" \
                     style=\"color:{LINK};font-family:{MONO};font-weight:700\">{}</a></td>\
                     <td style=\"{CELL}\">{}<br>{badge}{notes} {}</td></tr>\n",
                    esc(&line.path()),
                    esc(line.id),
                    esc(line.title),
                    esc(&line.detail)
                ));
            }
            out.push_str("</table>\n");
        }
        out.push_str(&format!(
            "</div>\n<div style=\"border-top:1px solid {LINE};padding:16px 24px;color:{MUTED};\
             font-size:14px;text-align:center\">Sent by secbook notify from the weekly report \
             of <a href=\"{base}\" style=\"color:{LINK}\">{}</a>.</div>\n</body>\n</html>\n",
            esc(&report.title)
        ));
        out
    }
}

// The default theme's light colours and fonts (themes/default/static/style.css), written
// out because mail clients drop style sheets and custom properties.
const BG: &str = "#ffffff";
const FG: &str = "#1d2330";
const MUTED: &str = "#5b6475";
const LINE: &str = "#dfe3ea";
const PANEL: &str = "#f5f7fa";
const LINK: &str = "#1f5fbf";
const WARN: &str = "#9a6100";
const FONT: &str = "system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif";
const MONO: &str = "ui-monospace,SFMono-Regular,Menlo,Consolas,'Liberation Mono',monospace";
const CELL: &str = "border:1px solid #dfe3ea;padding:6px 10px;text-align:left;vertical-align:top";

/// The colour the site gives a severity badge.
fn severity_colour(severity: &str) -> &'static str {
    match severity {
        "critical" => "#b3261e",
        "high" => WARN,
        "medium" => "#3b5bdb",
        _ => "#596273",
    }
}

/// "1 item", "3 items".
pub(super) fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The most characters of a name or a title that a header holds. lettre folds a header
/// only between words and inside RFC 2047 encoded-words, and has no way to encode plain
/// ASCII, so a long word would make a line over RFC 5322's 998 bytes, which servers refuse
/// ("500 Line too long"). A name is cut rather than encoded by hand: no mail client shows
/// more than this, the greeting in the body keeps it whole, and even when every character
/// is escaped, the line beside the longest address stays far under 998 bytes.
const HEADER_CHARS: usize = 200;

/// `text` on one line, for a header: line breaks (with Unicode's line and paragraph
/// separators) and other control characters become spaces, so no value can start a header of its own; beyond [`HEADER_CHARS`] it is cut
/// and ends in "…" (which makes lettre write it as encoded-words, where "..." would be an
/// obsolete period in an unquoted name); and what it opens of bidirectional formatting is
/// closed, so that it cannot reorder the subject after it.
fn one_line(text: &str) -> String {
    let mut line = text
        .split(|c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
        .filter(|part| !part.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    if line.chars().nth(HEADER_CHARS).is_some() {
        let kept: String = line.chars().take(HEADER_CHARS - 1).collect();
        line = format!("{}…", kept.trim_end());
    }
    bidi_closed(&line).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_stay_on_one_line() {
        assert_eq!(one_line("A\r\nBcc: x@y.com\u{0}z "), "A Bcc: x@y.com z");
        // A line and a paragraph separator break lines too, for a reader of Unicode.
        assert_eq!(one_line("T\u{2028}Line\u{2029}Bcc: x"), "T Line Bcc: x");
        assert_eq!(one_line("A \u{202e}B\n"), "A \u{202e}B\u{202c}");
        // A name of one long word is cut, as no header could fold it.
        let long = one_line(&"A".repeat(1000));
        assert_eq!(long.chars().count(), HEADER_CHARS);
        assert!(long.starts_with("AAAA") && long.ends_with("A…"), "{long}");
        assert_eq!(
            one_line(&"é".repeat(HEADER_CHARS)),
            "é".repeat(HEADER_CHARS)
        );
        assert_eq!(plural(1, "item"), "1 item");
        assert_eq!(plural(2, "item"), "2 items");
    }
}
