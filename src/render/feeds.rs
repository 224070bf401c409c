//! feeds/exceptions.xml and feeds/incidents.xml: Atom feeds (RFC 4287), newest first, at
//! most `feeds.limit` entries each.
//!
//! Written with `atom_syndication`. Every time in a feed comes from the records or the
//! as-of date, never the clock, so the same inputs give the same bytes.
//!
//! Identifiers and links:
//! - Ids are `urn:uuid:` URIs holding a name-based (v5) UUID derived from the handbook's
//!   identity and the record id ([`crate::load::config::Config::identity`]), so an entry keeps its
//!   id across builds, as RFC 4287 (4.2.6) asks of `atom:id`, and no two handbooks share one.
//! - Links are absolute when `base_url` is an absolute http(s) URL. Otherwise they are
//!   relative references, such as `../exceptions/EXC-001/index.html`, which RFC 4287
//!   (section 2, "IRIs") resolves against the feed's own location, since the feed sets
//!   no `xml:base`. A reader that fetched `…/feeds/exceptions.xml` finds the page, and so
//!   does one that opened the file from disk.

use atom_syndication::{
    Category, Entry, Feed, FixedDateTime, Generator, Link, Person as AtomPerson, Text, WriteConfig,
};

use crate::derive::handbook::Handbook;
use crate::load::config::Identity;
use crate::load::markdown;
use crate::model::date::{Date, Offset};
use crate::model::incident::{Incident, Stamp};
use crate::model::links;
use crate::model::person::{Person, address};
use crate::render::OutputFile;

/// The path of the exceptions feed in the site.
pub const EXCEPTIONS_PATH: &str = crate::model::site_files::EXCEPTIONS_FEED;
/// The path of the incidents feed in the site.
pub const INCIDENTS_PATH: &str = crate::model::site_files::INCIDENTS_FEED;

/// feeds/exceptions.xml.
pub fn render_exceptions_feed(handbook: &Handbook) -> Vec<OutputFile> {
    vec![OutputFile::bytes(
        EXCEPTIONS_PATH,
        exceptions_feed(handbook),
    )]
}

/// feeds/incidents.xml.
pub fn render_incidents_feed(handbook: &Handbook) -> Vec<OutputFile> {
    vec![OutputFile::bytes(INCIDENTS_PATH, incidents_feed(handbook))]
}

/// A link to `path` (relative to the site root) from a file in the folder `from` (such as
/// `feeds/`): absolute below `base_url` when that is absolute, else relative.
pub fn site_link(base_url: &str, from: &str, path: &str) -> String {
    match links::absolute_base(base_url) {
        Some(base) => format!("{base}{path}"),
        None => format!("{}{path}", links::root_prefix(from)),
    }
}

/// Midnight of `date` in the handbook's timezone, as records read a bare date.
pub fn day_start(date: Date, tz: Offset) -> FixedDateTime {
    Stamp::Day(date.0).resolve(tz)
}

/// The exceptions feed: the most recently changed exceptions first.
pub fn exceptions_feed(handbook: &Handbook) -> Vec<u8> {
    let identity = handbook.config.identity();
    let tz = handbook.config.timezone;
    let base = &handbook.config.base_url;
    let records = &handbook.records.exceptions;
    // The last day the entry changed: a date the record gives, or the day it came to
    // expire or expired, which changes its state (RFC 4287's `updated`: a reader that saw
    // the entry expiring is told it expired).
    let window = handbook.config.exceptions.expiring_within_days;
    let updated: Vec<_> = (records.iter().zip(&handbook.exception_states))
        .map(|(loaded, &state)| {
            let e = &loaded.record;
            let dates = [e.first_review, e.decided, e.closed].into_iter().flatten();
            let dates = dates
                .chain(e.renewals.iter().map(|r| r.date))
                .chain(e.approvals.iter().filter_map(|a| a.date))
                .chain(e.state_since(state, window));
            day_start(dates.fold(e.created, Date::max), tz)
        })
        .collect();
    let keys = records.iter().zip(&updated).map(|(loaded, &updated)| {
        let e = &loaded.record;
        (updated, Some(day_start(e.created, tz)), &e.id, &e.title)
    });
    let entries = newest(keys, handbook.config.feeds.limit)
        .into_iter()
        .map(|i| {
            let e = &records[i].record;
            let state = handbook.exception_states[i];
            let mut facts = vec![
                format!("State: {}", state.as_str()),
                format!("Severity: {}", e.severity.as_str()),
                format!("Type: {}", e.kind.as_str()),
                format!("Risk owner: {}", e.risk_owner),
            ];
            if let Some(expires) = e.expires {
                facts.push(format!("Expires: {expires}"));
            }
            let mut entry = entry(
                &identity,
                &format!("exception/{}", e.id),
                format!("{}: {}", e.id, e.title),
                updated[i],
                site_link(base, "feeds/", &format!("exceptions/{}/index.html", e.id)),
                summary(&facts, &e.summary),
            );
            entry.set_published(day_start(e.created, tz));
            entry.set_authors(vec![author(&e.requested_by)]);
            entry.set_categories(vec![
                category(e.severity.as_str(), "severity"),
                category(state.as_str(), "state"),
                category(e.kind.as_str(), "type"),
            ]);
            entry
        })
        .collect();
    feed(
        handbook,
        &identity,
        "exceptions",
        "security exceptions",
        EXCEPTIONS_PATH,
        "exceptions/index.html",
        entries,
    )
}

/// The incidents feed: the most recently changed incidents first.
pub fn incidents_feed(handbook: &Handbook) -> Vec<u8> {
    let identity = handbook.config.identity();
    let tz = handbook.config.timezone;
    let base = &handbook.config.base_url;
    let records = &handbook.records.incidents;
    let updated = |i: &Incident| {
        let mut stamps = vec![i.reported];
        stamps.extend(
            [
                i.started,
                i.detected,
                i.responded,
                i.contained,
                i.resolved,
                i.closed,
            ]
            .into_iter()
            .flatten(),
        );
        stamps.extend(i.timeline.iter().map(|t| t.at));
        let mut instants: Vec<FixedDateTime> = stamps.iter().map(|s| s.resolve(tz)).collect();
        if let Some(pm) = &i.postmortem {
            instants.push(day_start(pm.date, tz));
        }
        instants
            .into_iter()
            .max_by_key(|t| t.timestamp())
            .unwrap_or_else(|| i.reported.resolve(tz))
    };
    let keys = records.iter().map(|loaded| {
        let i = &loaded.record;
        (updated(i), Some(i.reported.resolve(tz)), &i.id, &i.title)
    });
    let entries = newest(keys, handbook.config.feeds.limit)
        .into_iter()
        .map(|n| {
            let i = &records[n].record;
            let mut facts = vec![
                format!("Status: {}", i.status.as_str()),
                format!("Severity: {}", i.severity.as_str()),
                format!("Source: {}", i.source),
                format!("Commander: {}", i.commander),
            ];
            if let Some(category) = &i.category {
                facts.push(format!("Category: {category}"));
            }
            let mut entry = entry(
                &identity,
                &format!("incident/{}", i.id),
                format!("{}: {}", i.id, i.title),
                updated(i),
                site_link(base, "feeds/", &format!("incidents/{}/index.html", i.id)),
                summary(&facts, &i.summary),
            );
            entry.set_published(i.reported.resolve(tz));
            entry.set_authors(vec![author(&i.commander)]);
            let mut categories = vec![
                category(i.severity.as_str(), "severity"),
                category(i.status.as_str(), "status"),
            ];
            if let Some(c) = &i.category {
                categories.push(category(c, "category"));
            }
            entry.set_categories(categories);
            entry
        })
        .collect();
    feed(
        handbook,
        &identity,
        "incidents",
        "security incidents",
        INCIDENTS_PATH,
        "incidents/index.html",
        entries,
    )
}

/// The positions of the `limit` newest records, newest first: by when each last changed,
/// then when it was published, then by its entry's title (`ID: title`). Only the entries
/// a feed keeps are made, so a feed costs the same for 50 records as for 20,000.
fn newest<'a>(
    keys: impl Iterator<Item = (FixedDateTime, Option<FixedDateTime>, &'a String, &'a String)>,
    limit: usize,
) -> Vec<usize> {
    type Key<'a> = (
        std::cmp::Reverse<(i64, Option<i64>)>,
        &'a String,
        &'a String,
        usize,
    );
    let mut keys: Vec<Key> = keys
        .enumerate()
        .map(|(i, (updated, published, id, title))| {
            let when = (updated.timestamp(), published.map(|p| p.timestamp()));
            (std::cmp::Reverse(when), id, title, i)
        })
        .collect();
    // Ties are broken by the entry's title as the feed shows it ("id: title"), compared
    // without making it: the feed of a large register ordered 20,000 of them at each edit.
    fn shown<'k>(key: &Key<'k>) -> impl Iterator<Item = u8> + 'k {
        key.1.bytes().chain(*b": ").chain(key.2.bytes())
    }
    let order = |a: &Key, b: &Key| {
        (a.0.cmp(&b.0))
            .then_with(|| shown(a).cmp(shown(b)))
            .then(a.3.cmp(&b.3))
    };
    if limit < keys.len() {
        keys.select_nth_unstable_by(limit, order);
        keys.truncate(limit);
    }
    keys.sort_unstable_by(order);
    keys.into_iter().map(|(_, _, _, i)| i).collect()
}

/// An entry's summary: its facts a line each, then the record's summary as a feed
/// reader shows a text, its words without their Markdown (`**act now**`, a link's target).
fn summary(facts: &[String], markdown: &str) -> String {
    format!(
        "{}\n\n{}",
        facts.join("\n"),
        markdown::plain_text(markdown, false)
    )
}

fn entry(
    identity: &Identity,
    name: &str,
    title: String,
    updated: FixedDateTime,
    href: String,
    summary: String,
) -> Entry {
    let mut entry = Entry::default();
    entry.set_id(format!("urn:uuid:{}", identity.uuid(name)));
    entry.set_title(Text::plain(title));
    entry.set_updated(updated);
    entry.set_links(vec![link(href, "alternate")]);
    entry.set_summary(Some(Text::plain(summary)));
    entry
}

fn link(href: String, rel: &str) -> Link {
    let mut link = Link::default();
    link.set_href(href);
    link.set_rel(rel);
    link
}

fn author(person: &Person) -> AtomPerson {
    let mut author = AtomPerson::default();
    author.set_name(if person.name.trim().is_empty() {
        "Unassigned".to_string()
    } else {
        person.name.clone()
    });
    author.set_email(person.email.as_deref().and_then(address).map(String::from));
    author
}

fn category(term: &str, scheme: &str) -> Category {
    let mut category = Category::default();
    category.set_term(term.to_string());
    category.set_scheme(Some(format!("urn:secbook:{scheme}")));
    category
}

/// Writes the feed of `entries`, newest first (see [`newest`]). Its `updated` is the
/// newest entry's, or midnight of the as-of date when it has none.
fn feed(
    handbook: &Handbook,
    identity: &Identity,
    kind: &str,
    what: &str,
    path: &str,
    html_page: &str,
    entries: Vec<Entry>,
) -> Vec<u8> {
    let config = &handbook.config;
    let updated = entries
        .first()
        .map(|e| e.updated)
        .unwrap_or_else(|| day_start(handbook.as_of, config.timezone));
    let from = "feeds/";
    let self_href = match links::absolute_base(&config.base_url) {
        Some(base) => format!("{base}{path}"),
        None => path.trim_start_matches(from).to_string(),
    };
    let mut site = AtomPerson::default();
    site.set_name(config.title.clone());
    let mut generator = Generator::default();
    generator.set_value("secbook");
    generator.set_version(Some(env!("CARGO_PKG_VERSION").to_string()));

    let mut feed = Feed::default();
    // Each audience's feed is a feed of its own (RFC 4287 4.2.6: an id names one feed),
    // its entries the same entries told in part, as the POA&M's.
    let name = match &handbook.audience {
        Some(audience) => format!("feed/{kind}/audience/{audience}"),
        None => format!("feed/{kind}"),
    };
    feed.set_id(format!("urn:uuid:{}", identity.uuid(&name)));
    feed.set_title(Text::plain(format!("{}: {what}", config.title)));
    if !config.description.trim().is_empty() {
        feed.set_subtitle(Some(Text::plain(config.description.clone())));
    }
    feed.set_updated(updated);
    feed.set_authors(vec![site]);
    feed.set_generator(Some(generator));
    feed.set_links(vec![
        link(self_href, "self"),
        link(site_link(&config.base_url, from, html_page), "alternate"),
    ]);
    feed.set_entries(entries);
    let config = WriteConfig {
        write_document_declaration: true,
        indent_size: Some(2),
    };
    let bytes = feed
        .write_with_config(Vec::new(), config)
        .unwrap_or_else(|e| format!("<!-- {e} -->").into_bytes());
    let mut xml = xml_safe(&String::from_utf8_lossy(&bytes));
    xml.push('\n');
    xml.into_bytes()
}

/// Whether XML 1.0 allows `c` in a document (its production `Char`).
pub fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// `xml` with each character XML 1.0 forbids replaced by U+FFFD. Loading refuses control
/// characters in the handbook's text, but a feed also holds what the command line gives
/// (`--base-url`), and the XML writer escapes markup, not these: a reader that meets one
/// rejects the whole feed.
pub fn xml_safe(xml: &str) -> String {
    xml.chars()
        .map(|c| if xml_allowed(c) { c } else { '\u{fffd}' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The newest entries come first; ties go by the title the feed shows, "id: title",
    /// as a sort of those strings orders them, then by place; only `limit` are kept.
    #[test]
    fn the_newest_entries_are_kept_in_the_order_of_their_shown_titles() {
        let tz = Offset::default();
        let at = |d: &str| day_start(Date::parse(d).unwrap(), tz);
        let s = |x: &str| x.to_string();
        let records = [
            (at("2026-05-01"), None, s("A"), s("x")),
            (at("2026-05-01"), None, s("A-1"), s("y")),
            (at("2026-06-01"), None, s("B"), s("z")),
            (at("2026-05-01"), Some(at("2026-04-01")), s("C"), s("w")),
            (at("2026-04-01"), None, s("D"), s("v")),
            (at("2026-05-01"), None, s("A"), s("x")),
        ];
        let keys = || records.iter().map(|(u, p, id, title)| (*u, *p, id, title));
        // "A-1: y" sorts before "A: x", though "A" sorts before "A-1".
        assert_eq!(newest(keys(), 10), [2, 3, 1, 0, 5, 4]);
        assert_eq!(newest(keys(), 3), [2, 3, 1]);
        assert_eq!(newest(keys(), 0), Vec::<usize>::new());
    }

    #[test]
    fn links_are_relative_unless_the_base_is_absolute() {
        let path = "exceptions/E/index.html";
        assert_eq!(site_link("/", "feeds/", path), "../exceptions/E/index.html");
        assert_eq!(site_link("/docs/", "", path), "exceptions/E/index.html");
        assert_eq!(
            site_link("https://x.org/sec", "feeds/", path),
            "https://x.org/sec/exceptions/E/index.html"
        );
    }

    #[test]
    fn xml_safe_replaces_what_xml_forbids() {
        assert_eq!(
            xml_safe("<a>t\u{1b}\u{0}\t\u{7f}\u{85}\u{fffe}\u{1f600}</a>"),
            "<a>t\u{fffd}\u{fffd}\t\u{7f}\u{85}\u{fffd}\u{1f600}</a>"
        );
    }
}
