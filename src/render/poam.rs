//! exports/poam.json: the approved and pending exceptions as an OSCAL plan of action and
//! milestones (the `plan-of-action-and-milestones` model).
//!
//! Each exception becomes a risk and a POA&M item that points at it:
//! - the risk's status follows the exception's state: `deviation-requested` while pending,
//!   `deviation-approved` while approved and in term, `open` once the term has expired;
//! - its deadline is the end of the expiry date, its remediation the remediation plan, and
//!   its compensating controls are mitigating factors;
//! - its risk log holds the request, the decision, every renewal and the lapse of the term.
//!
//! Every UUID, the document's included, is a name-based (v5) UUID derived from the
//! handbook's identity and what it names ([`crate::load::config::Config::identity`]), so the same
//! exception keeps the same UUIDs in every export, no two handbooks share one, and the
//! document is deterministic: its times come from the records and the as-of date, written
//! in UTC.
//!
//! The document declares `oscal-version` [`OSCAL_VERSION`]. The tests validate it against
//! NIST's published JSON schema of that version and load it with compliance-trestle's
//! POA&M model (see tests/data/README.md). OSCAL requires at least one POA&M item, so a
//! handbook with no approved or pending exception has no POA&M: [`document`] returns
//! `None` and the build writes no exports/poam.json.

use std::collections::BTreeSet;
use std::sync::Arc;

use ahash::{HashMap, HashSet};
use chrono::{Duration, Utc};
use rayon::prelude::*;
use serde::Serialize;

use crate::derive::handbook::Handbook;
use crate::load::config::Identity;
use crate::load::todo::is_todo;
use crate::model::date::Date;
use crate::model::exception::Exception;
use crate::model::person::{People, Person, address};
use crate::model::vocab::{ExceptionState, ExceptionStatus};
use crate::render::api::{Parts, json_piece};
use crate::render::feeds::{day_start, site_link};
use crate::render::{OutputFile, Pieces};

/// The path of the export in the site.
pub const PATH: &str = crate::model::site_files::POAM;

/// The OSCAL version the document declares: the one both checks of the tests accept, NIST's
/// schema of that release and compliance-trestle 5, whose models are OSCAL 1.2.0 to 1.2.1.
pub const OSCAL_VERSION: &str = "1.2.1";

/// The namespace of secbook's own properties (`ns` of an OSCAL `prop`).
///
/// OSCAL's `ns` is a URI that names a vocabulary: tools compare it as a string and never
/// fetch it, as NIST's own `http://csrc.nist.gov/ns/oscal` shows. It must still be a URL with
/// a scheme and a host, which compliance-trestle's models require (a `urn:` is refused).
/// secbook has no domain of its own, so the host is under `.invalid`, which RFC 6761
/// reserves: the name can never belong to anyone else, so it cannot collide with another
/// organisation's namespace. It names secbook's properties, not a handbook's, so it is the
/// same for every handbook, and changing it renames every property for the tools that read it.
const NS: &str = "https://secbook.invalid/ns/oscal";

/// Where the document is read, which decides how it links to the exceptions' pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// exports/poam.json in the site: a relative link leads to the page beside it.
    Site,
    /// A file of its own (`secbook export poam`), read anywhere: only an absolute
    /// `base_url` leads to the pages, so without one the pages are not linked.
    Alone,
}

impl Place {
    /// Whether a document read here links the exceptions' pages from `base_url`.
    pub fn links_pages(self, base_url: &str) -> bool {
        self == Place::Site || crate::model::links::absolute_base(base_url).is_some()
    }
}

/// exports/poam.json, when any exception is approved or pending; each exception's risk
/// and POA&M item are pieces kept in `risks` and `items`.
pub fn render_poam(handbook: &Handbook, risks: &Pieces, items: &Pieces) -> Vec<OutputFile> {
    document(handbook, risks, items, Place::Site)
        .map(|parts| OutputFile {
            path: PATH.into(),
            body: parts.body(),
        })
        .into_iter()
        .collect()
}

/// The export: compact JSON ending in a newline, or `None` when no exception is approved
/// or pending. Written as serde would write a `plan-of-action-and-milestones` of these
/// fields in this order, with the pieces of the risks and items as they are, shared.
pub fn document(
    handbook: &Handbook,
    risks: &Pieces,
    items: &Pieces,
    place: Place,
) -> Option<Parts> {
    let poam = build(handbook, risks, items, place)?;
    let mut head = br#"{"plan-of-action-and-milestones":{"uuid":"#.to_vec();
    serde_json::to_writer(&mut head, &poam.uuid).ok()?;
    head.extend_from_slice(br#","metadata":"#);
    serde_json::to_writer(&mut head, &poam.metadata).ok()?;
    head.extend_from_slice(br#","risks":"#);
    let mut parts = Parts::default();
    parts
        .made(head)
        .array(&poam.risks)
        .text(br#","poam-items":"#)
        .array(&poam.poam_items)
        .text(b"}}\n");
    Some(parts)
}

/// The document, each risk and POA&M item as its JSON.
struct Poam {
    uuid: String,
    metadata: Metadata,
    risks: Vec<Arc<[u8]>>,
    poam_items: Vec<Arc<[u8]>>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Metadata {
    title: String,
    last_modified: String,
    version: String,
    oscal_version: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    roles: Vec<Role>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    parties: Vec<Party>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    responsible_parties: Vec<ResponsibleParty>,
}

#[derive(Serialize)]
struct Role {
    id: &'static str,
    title: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Party {
    uuid: String,
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    email_addresses: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ResponsibleParty {
    role_id: &'static str,
    party_uuids: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Risk {
    uuid: String,
    title: String,
    description: String,
    statement: String,
    props: Vec<Prop>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<OscalLink>,
    status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    mitigating_factors: Vec<MitigatingFactor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deadline: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    remediations: Vec<Response>,
    risk_log: RiskLog,
}

#[derive(Serialize)]
struct Prop {
    name: &'static str,
    ns: &'static str,
    value: String,
}

#[derive(Serialize, Clone)]
struct OscalLink {
    href: String,
    rel: &'static str,
    text: String,
}

#[derive(Serialize)]
struct MitigatingFactor {
    uuid: String,
    description: String,
}

#[derive(Serialize)]
struct Response {
    uuid: String,
    lifecycle: &'static str,
    title: String,
    description: String,
}

#[derive(Serialize)]
struct RiskLog {
    entries: Vec<LogEntry>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct LogEntry {
    uuid: String,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    start: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logged_by: Vec<LoggedBy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_change: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct LoggedBy {
    party_uuid: String,
    role_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct PoamItem {
    uuid: String,
    title: String,
    description: String,
    props: Vec<Prop>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<OscalLink>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    origins: Vec<Origin>,
    related_risks: Vec<RelatedRisk>,
    #[serde(skip_serializing_if = "String::is_empty")]
    remarks: String,
}

#[derive(Serialize)]
struct Origin {
    actors: Vec<Actor>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Actor {
    #[serde(rename = "type")]
    kind: &'static str,
    actor_uuid: String,
    role_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct RelatedRisk {
    risk_uuid: String,
}

/// The people the document names, each once, in the order first met.
///
/// Records write one person in several ways ("Ann Lee", "Ann Lee <ann@x.com>", "ann lee"),
/// and OSCAL means a party to be one person. Two mentions are the same party when
/// data/people.yaml finds them as one entry, when their emails match, or when their names
/// match and one of them gives no email. Nobody ("unassigned", an empty name) is never a
/// party.
struct Parties<'a> {
    identity: &'a Identity,
    people: &'a People,
    parties: Vec<Party>,
    /// Per party: its lowercased email, if known, and its lowercased name.
    keys: Vec<(Option<String>, String)>,
    /// The first party of each email, of each name, and the parties of each name that
    /// give no email: a search through the parties for each mention grew with records
    /// times people, a second of a build of 20,000 records with an owner each.
    by_email: HashMap<String, usize>,
    by_name: HashMap<String, usize>,
    bare_by_name: HashMap<String, BTreeSet<usize>>,
}

impl<'a> Parties<'a> {
    fn new(identity: &'a Identity, people: &'a People) -> Self {
        Parties {
            identity,
            people,
            parties: Vec::new(),
            keys: Vec::new(),
            by_email: HashMap::default(),
            by_name: HashMap::default(),
            bare_by_name: HashMap::default(),
        }
    }

    /// The first party `key` names: the first with its email or with its name and no
    /// email; when it gives no email, the first with its name.
    fn find(&self, (email, name): &(Option<String>, String)) -> Option<usize> {
        match email {
            Some(email) => {
                let bare = self.bare_by_name.get(name).and_then(|s| s.first());
                self.by_email
                    .get(email)
                    .into_iter()
                    .chain(bare)
                    .min()
                    .copied()
            }
            None => self.by_name.get(name).copied(),
        }
    }

    /// The UUID of `person`'s party, adding it when new; `None` for nobody.
    fn uuid(&mut self, person: &Person) -> Option<String> {
        if !named(person) {
            return None;
        }
        let entry = self.people.find(person);
        let name = entry
            .map(|e| line(&e.name, ""))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| line(&person.name, ""));
        // The record's address, else data/people.yaml's.
        let email = [
            person.email.as_deref(),
            entry.and_then(|e| e.email.as_deref()),
        ]
        .into_iter()
        .flatten()
        .find_map(address);
        let key = (email.map(str::to_lowercase), name.to_lowercase());
        if let Some(i) = self.find(&key) {
            if self.keys[i].0.is_none()
                && let (Some(email), Some(lower)) = (email, key.0)
            {
                if let Some(bare) = self.bare_by_name.get_mut(&self.keys[i].1) {
                    bare.remove(&i);
                }
                let first = self.by_email.entry(lower.clone()).or_insert(i);
                *first = (*first).min(i);
                self.keys[i].0 = Some(lower);
                self.parties[i].email_addresses = vec![email.to_string()];
            }
            return Some(self.parties[i].uuid.clone());
        }
        let uuid = self
            .identity
            .uuid(&format!("party/{}", key.0.as_ref().unwrap_or(&key.1)))
            .to_string();
        self.parties.push(Party {
            uuid: uuid.clone(),
            kind: "person",
            name,
            email_addresses: email.map(str::to_string).into_iter().collect(),
        });
        let at = self.keys.len();
        self.by_name.entry(key.1.clone()).or_insert(at);
        match &key.0 {
            Some(email) => _ = self.by_email.entry(email.clone()).or_insert(at),
            None => {
                _ = self
                    .bare_by_name
                    .entry(key.1.clone())
                    .or_default()
                    .insert(at)
            }
        }
        self.keys.push(key);
        Some(uuid)
    }
}

fn build(
    handbook: &Handbook,
    risk_pieces: &Pieces,
    item_pieces: &Pieces,
    place: Place,
) -> Option<Poam> {
    let config = &handbook.config;
    let linked = place.links_pages(&config.base_url);
    // Where the site's top is from the document, when its links can lead into the site.
    let root = linked.then(|| site_link(&config.base_url, "exports/", ""));
    let tz = config.timezone;
    let at = |date: Date| utc(day_start(date, tz));
    let identity = config.identity();
    let mut parties = Parties::new(&identity, &handbook.records.people);
    let mut owners: Vec<String> = Vec::new();
    let mut listed = HashSet::default();

    // The parties are found in the records' order, each record's after those before it:
    // a record's pieces read the UUID of its requester's party, and nothing else of the
    // others.
    let mut chosen = Vec::new();
    for (loaded, &state) in handbook
        .records
        .exceptions
        .iter()
        .zip(&handbook.exception_states)
    {
        let e = &loaded.record;
        if !matches!(
            e.status,
            ExceptionStatus::Approved | ExceptionStatus::Pending
        ) {
            continue;
        }
        if let Some(owner) = parties.uuid(&e.risk_owner)
            && listed.insert(owner.clone())
        {
            owners.push(owner);
        }
        chosen.push((loaded, state, parties.uuid(&e.requested_by)));
    }
    if chosen.is_empty() {
        return None;
    }

    let parts = |e: &Exception, state: ExceptionState, requester: Option<&str>| {
        let name = |part: &str| {
            identity
                .uuid(&format!("exception/{}/{part}", e.id))
                .to_string()
        };
        let risk_uuid = name("risk");
        // The records' Markdown, its links led where they lead in the site.
        let url = format!("exceptions/{}/", e.id);
        let md = |field: &str, text: &str| {
            (handbook
                .site
                .record_markdown(&url, field, text, root.as_deref()))
            .unwrap_or_else(|| text.to_string())
        };
        let summary = md("summary", recorded(&e.summary).unwrap_or(NOT_RECORDED));
        let page: Vec<OscalLink> = linked
            .then(|| OscalLink {
                href: site_link(
                    &config.base_url,
                    "exports/",
                    &format!("exceptions/{}/index.html", e.id),
                ),
                rel: "reference",
                text: format!("Exception {}", e.id),
            })
            .into_iter()
            .collect();
        let props = |with_state: bool| {
            let mut props = vec![
                prop("exception-id", &e.id),
                prop("exception-type", e.kind.as_str()),
                prop("severity", e.severity.as_str()),
            ];
            if with_state {
                props.push(prop("state", state.as_str()));
                if let Some(owner) = Some(&e.risk_owner).filter(|p| named(p)) {
                    props.push(prop("risk-owner", &owner.to_string()));
                }
                if let Some(assignee) = e.assignee.as_ref().filter(|p| named(p)) {
                    props.push(prop("assignee", &assignee.to_string()));
                }
                let tickets = e.tickets.iter().filter_map(|t| recorded(t));
                props.extend(tickets.map(|t| prop("ticket", t)));
            }
            props
        };
        let mut remediations = Vec::new();
        if let Some(plan) = e.remediation_plan.as_deref().and_then(recorded) {
            remediations.push(Response {
                uuid: name("remediation"),
                lifecycle: "planned",
                title: "Remediation plan".into(),
                description: md("remediation_plan", plan),
            });
        }
        let mitigating_factors = e
            .compensating_controls
            .iter()
            .enumerate()
            .filter_map(|(i, control)| Some((i, recorded(control)?)))
            .map(|(i, control)| MitigatingFactor {
                uuid: name(&format!("compensating-control/{i}")),
                description: plain(control),
            })
            .collect();
        let risk = Risk {
            uuid: risk_uuid.clone(),
            title: plain(&line(&e.title, &e.id)),
            description: match e.description.as_deref().and_then(recorded) {
                Some(description) => md("description", description),
                None => summary.clone(),
            },
            statement: summary.clone(),
            props: props(true),
            links: page.clone(),
            status: risk_status(state),
            mitigating_factors,
            deadline: e
                .expires
                .map(|d| utc(day_start(d.add_days(1), tz) - Duration::seconds(1))),
            remediations,
            risk_log: RiskLog {
                entries: log(e, state, handbook.as_of, &at, &name, requester),
            },
        };
        let item = PoamItem {
            uuid: name("poam-item"),
            title: plain(&line(&e.title, &e.id)),
            description: summary.clone(),
            props: props(false),
            links: page,
            origins: requester
                .iter()
                .map(|uuid| Origin {
                    actors: vec![Actor {
                        kind: "party",
                        actor_uuid: uuid.to_string(),
                        role_id: "requester",
                    }],
                })
                .collect(),
            related_risks: vec![RelatedRisk {
                risk_uuid: risk_uuid.clone(),
            }],
            remarks: md(
                "justification",
                recorded(&e.justification).unwrap_or_default(),
            ),
        };
        (risk, item)
    };
    let (risks, items) = chosen
        .par_iter()
        .map(|(loaded, state, requester)| {
            let (e, state, requester) = (&loaded.record, *state, requester.as_deref());
            let reads = (state, requester, handbook.site.links_key());
            let risk = risk_pieces.get(&loaded.source, reads, || {
                json_piece(&parts(e, state, requester).0)
            });
            let item = item_pieces.get(&loaded.source, reads, || {
                json_piece(&parts(e, state, requester).1)
            });
            (risk, item)
        })
        .unzip();
    Some(Poam {
        // Each audience's document is a document of its own, the same risks and items
        // (by their UUIDs) told in part.
        uuid: match &handbook.audience {
            Some(audience) => identity.uuid(&format!("poam/audience/{audience}")),
            None => identity.uuid("poam"),
        }
        .to_string(),
        metadata: Metadata {
            title: plain(&line(
                &format!("{}: plan of action and milestones", config.title),
                "Plan of action and milestones",
            )),
            last_modified: at(handbook.as_of),
            version: handbook.as_of.to_string(),
            oscal_version: OSCAL_VERSION,
            roles: vec![
                Role {
                    id: "risk-owner",
                    title: "Risk owner",
                },
                Role {
                    id: "requester",
                    title: "Requester",
                },
            ],
            parties: parties.parties,
            responsible_parties: Some(owners)
                .filter(|o| !o.is_empty())
                .map(|party_uuids| ResponsibleParty {
                    role_id: "risk-owner",
                    party_uuids,
                })
                .into_iter()
                .collect(),
        },
        risks,
        poam_items: items,
    })
}

/// The history of the exception: request, decision, renewals, and the end of the term.
fn log(
    e: &Exception,
    state: ExceptionState,
    as_of: Date,
    at: &dyn Fn(Date) -> String,
    name: &dyn Fn(&str) -> String,
    requester: Option<&str>,
) -> Vec<LogEntry> {
    let entry_uuid = |part: &str| name(&format!("log/{part}"));
    let mut entries = vec![LogEntry {
        uuid: entry_uuid("requested"),
        title: "Exception requested".into(),
        description: None,
        start: at(e.created),
        logged_by: requester
            .map(|uuid| LoggedBy {
                party_uuid: uuid.to_string(),
                role_id: "requester",
            })
            .into_iter()
            .collect(),
        status_change: Some("deviation-requested"),
    }];
    if let (ExceptionStatus::Approved, Some(decided)) = (e.status, e.decided) {
        let mut renewals: Vec<_> = e.renewals.iter().collect();
        renewals.sort_by_key(|r| r.date);
        let first_term = renewals.first().map(|r| r.previous_expires).or(e.expires);
        entries.push(LogEntry {
            uuid: entry_uuid("approved"),
            title: match first_term {
                Some(until) => format!("Exception approved until {until}"),
                None => "Exception approved".into(),
            },
            description: None,
            start: at(decided),
            logged_by: Vec::new(),
            status_change: Some("deviation-approved"),
        });
        for (i, r) in renewals.iter().enumerate() {
            let mut description = format!(
                "The term was extended from {} to {}.",
                r.previous_expires, r.expires
            );
            if let Some(note) = r.note.as_deref().filter(|n| !n.trim().is_empty()) {
                description.push(' ');
                description.push_str(&plain(note.trim()));
            }
            entries.push(LogEntry {
                uuid: entry_uuid(&format!("renewal/{i}")),
                title: format!("Exception renewed until {}", r.expires),
                description: Some(description),
                start: at(r.date),
                logged_by: Vec::new(),
                status_change: Some("deviation-approved"),
            });
        }
        if let (ExceptionState::Expired, Some(expires)) = (state, e.expires) {
            let lapsed = expires.add_days(1);
            if lapsed <= as_of {
                entries.push(LogEntry {
                    uuid: entry_uuid("expired"),
                    title: "Exception expired without risk treatment".into(),
                    description: Some(format!(
                        "The term ended on {expires} and the risk is open again."
                    )),
                    start: at(lapsed),
                    logged_by: Vec::new(),
                    status_change: Some("open"),
                });
            }
        }
    }
    entries
}

/// OSCAL's risk status for an exception in `state`.
fn risk_status(state: ExceptionState) -> &'static str {
    match state {
        ExceptionState::Pending => "deviation-requested",
        ExceptionState::Active | ExceptionState::Expiring => "deviation-approved",
        ExceptionState::Expired => "open",
        ExceptionState::Denied | ExceptionState::Closed => "closed",
    }
}

fn prop(name: &'static str, value: &str) -> Prop {
    Prop {
        name,
        ns: NS,
        value: line(value, "-"),
    }
}

/// Whether `person` names somebody: not "unassigned", nor a TODO marker of a person not
/// known yet, which the document an auditor reads must not present as a party.
fn named(person: &Person) -> bool {
    !person.is_unassigned() && !is_todo(&person.name)
}

/// What OSCAL's required texts say of a value the record does not give yet.
const NOT_RECORDED: &str = "Not recorded yet.";

/// A text the record gives, trimmed: `None` when it is empty or a TODO marker, which the
/// document an auditor reads must not present as a fact (a party named "TODO: ...").
fn recorded(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty() && !is_todo(t))
}

/// `s` on one line with single spaces, as OSCAL's string and markup-line types require;
/// `fallback` when nothing is left.
fn line(s: &str, fallback: &str) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.is_empty() {
        fallback.to_string()
    } else {
        joined
    }
}

/// A plain text (a title, a compensating control) as OSCAL's Markdown fields (`markup-line`,
/// `markup-multiline`) hold text, which its other strings (a prop's value, a party's name)
/// are not: its characters that Markdown reads as markup escaped with
/// a backslash, as CommonMark escapes them, so that a reader shows what the record says.
/// `*admin*` would be emphasis, `[policy](https://x)` a live link and `&amp;` an `&`. The
/// records' Markdown fields (summary, justification) go as they are: they are Markdown.
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let body = line.trim_start();
        out.push_str(&line[..line.len() - body.len()]);
        // What opens a block at a line's start: a heading, a list, a quote, a rule, and
        // a numbered list's `1.`, whose mark is after its digits.
        let digits = body.len() - body.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let block = match body[digits..].starts_with(['.', ')']) {
            true if digits > 0 => Some(digits),
            _ => body.starts_with(['#', '-', '+', '>', '=']).then_some(0),
        };
        for (j, c) in body.char_indices() {
            let inline = matches!(
                c,
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '!' | '~' | '|'
            );
            if inline || block == Some(j) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// An instant as OSCAL's date-time-with-timezone, in UTC: RFC 3339 written directly, where
/// a format string was parsed again for each of the thousands of dates of a register.
fn utc(at: chrono::DateTime<chrono::FixedOffset>) -> String {
    at.with_timezone(&Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_joins_whitespace() {
        assert_eq!(line("  a\n b  ", "x"), "a b");
        assert_eq!(line(" \n", "x"), "x");
    }

    #[test]
    fn status_follows_the_state() {
        assert_eq!(risk_status(ExceptionState::Pending), "deviation-requested");
        assert_eq!(risk_status(ExceptionState::Expiring), "deviation-approved");
        assert_eq!(risk_status(ExceptionState::Expired), "open");
    }

    /// Mentions are one party when their emails match, or when their names match and one
    /// gives no email; the first such party is taken, and a party named without an email
    /// takes the first email it is named with.
    #[test]
    fn a_party_is_the_first_that_a_mention_matches() {
        let config = crate::load::config::Config::default();
        let identity = config.identity();
        let people = People::default();
        let mut parties = Parties::new(&identity, &people);
        let mut party = |written: &str| parties.uuid(&Person::parse(written)).unwrap();
        let ann = party("Ann Lee");
        assert_eq!(party("ann lee <Ann@x.com>"), ann, "a name without an email");
        let other = party("Ann Lee <other@x.com>");
        assert_ne!(other, ann, "another email, once the first has one");
        assert_eq!(party("ANN LEE"), ann, "no email: the first of the name");
        let bo = party("Bo <BO@x.com>");
        assert_eq!(party("Bob <bo@x.com>"), bo, "the email, whatever the name");
        assert_eq!(party("Bo"), bo);
        // The first party that matches: Eve, named without an email before Eve2 gave hers.
        let eve = party("Eve");
        let eve2 = party("Eve2 <e@x.com>");
        assert_eq!(party("Eve <e@x.com>"), eve);
        assert_eq!(party("Someone <e@x.com>"), eve, "Eve now has the email");
        assert_ne!(eve, eve2);
        assert_eq!(party("Eve2"), eve2);
        assert_eq!(parties.parties.len(), 5);
        let emails: Vec<_> = parties.parties.iter().map(|p| &p.email_addresses).collect();
        assert_eq!(emails[0], &["Ann@x.com"]);
        assert_eq!(emails[3], &["e@x.com"]);
    }

    #[test]
    fn utc_writes_seconds_and_z_in_utc() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-06-30T23:59:59-07:00").unwrap();
        assert_eq!(utc(at), "2026-07-01T06:59:59Z");
        let first = chrono::DateTime::parse_from_rfc3339("0000-01-01T00:00:00+00:00").unwrap();
        assert_eq!(utc(first), "0000-01-01T00:00:00Z");
    }

    /// A plain text keeps its characters in OSCAL's Markdown fields: what Markdown reads as
    /// markup is escaped, inline anywhere and a block's mark at a line's start.
    #[test]
    fn plain_text_is_escaped_for_markdown() {
        assert_eq!(
            plain("Wildcard *admin* in `IAM` [policy](http://x) <b>&amp;</b> __init__ ~x~ !"),
            r"Wildcard \*admin\* in \`IAM\` \[policy\](http://x) \<b\>\&amp;\</b\> \_\_init\_\_ \~x\~ \!"
        );
        assert_eq!(
            plain("- a\n# b\n  > c"),
            r"\- a".to_string() + "\n" + r"\# b" + "\n  " + r"\> c"
        );
        assert_eq!(plain("1. one"), r"1\. one");
        assert_eq!(plain("12) twelve"), r"12\) twelve");
        assert_eq!(plain("2026 was a year"), "2026 was a year");
        assert_eq!(plain(&line("  *a*  b ", "x")), r"\*a\* b");
    }
}
