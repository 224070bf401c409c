//! handbook.yaml: the site's configuration and the program's policy.

use std::collections::BTreeMap;
use std::sync::Arc;

use lettre::message::Mailbox;
use serde::{Deserialize, Deserializer};
use uuid::Uuid;

use crate::diagnostics::{Diagnostic, SourceFile, closest};
use crate::load::yaml;
use crate::model::audience::{Audience, Classification};
use crate::model::date::{self, Date, Offset};
use crate::model::finding::{self, LintLevel};
use crate::model::person;
use crate::model::vocab::{IncidentSeverity, Level, Severity};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Required: [`Config::load_with_defaults`] reports it missing, so that an entry that
    /// does not load can be left at its default.
    #[serde(default, deserialize_with = "crate::model::text::text")]
    pub title: String,
    /// What the identifiers that leave the site derive from; see [`Config::identity`].
    #[serde(default, deserialize_with = "handbook_id")]
    pub id: Option<Uuid>,
    #[serde(default, deserialize_with = "crate::model::text::text")]
    pub description: String,
    #[serde(
        default = "default_base_url",
        deserialize_with = "crate::model::text::text"
    )]
    pub base_url: String,
    #[serde(
        default = "default_theme",
        deserialize_with = "crate::model::text::text"
    )]
    pub theme: String,
    /// The language the handbook is written in, a BCP 47 tag (`ja`, `pt-BR`), as Hugo's
    /// `languageCode`: a screen reader reads each page's words in it, and a browser picks
    /// its fonts and its hyphens by it.
    #[serde(default = "default_language", deserialize_with = "language_tag")]
    pub language: String,
    #[serde(default)]
    pub timezone: Offset,
    #[serde(default)]
    pub as_of: Option<Date>,
    #[serde(default)]
    pub exceptions: ExceptionsConfig,
    #[serde(default)]
    pub incidents: IncidentsConfig,
    #[serde(default)]
    pub metrics: MetricsConfig,
    #[serde(default, deserialize_with = "crate::model::text::unique_keys")]
    pub lints: BTreeMap<String, LintLevel>,
    #[serde(default)]
    pub markdown: MarkdownConfig,
    #[serde(default)]
    pub feeds: FeedsConfig,
    #[serde(default)]
    pub limits: LimitsConfig,
    #[serde(default)]
    pub notify: Option<NotifyConfig>,
    /// Who may read what (SPEC 12): the levels records and pages are classified at.
    #[serde(default)]
    pub classification: Option<Classification>,
    /// The named views of the handbook, each up to a level of `classification`.
    #[serde(default, deserialize_with = "crate::model::text::unique_keys")]
    pub audiences: BTreeMap<String, Audience>,
    /// The audience a build is for when `--audience` names none; absent, the whole handbook.
    #[serde(default)]
    pub default_audience: Option<String>,
    #[serde(default)]
    pub history: HistoryConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: String::new(),
            id: None,
            description: String::new(),
            base_url: default_base_url(),
            theme: default_theme(),
            language: default_language(),
            timezone: Offset::default(),
            as_of: None,
            exceptions: ExceptionsConfig::default(),
            incidents: IncidentsConfig::default(),
            metrics: MetricsConfig::default(),
            lints: BTreeMap::new(),
            markdown: MarkdownConfig::default(),
            feeds: FeedsConfig::default(),
            limits: LimitsConfig::default(),
            notify: None,
            classification: None,
            audiences: BTreeMap::new(),
            default_audience: None,
            history: HistoryConfig::default(),
        }
    }
}

/// What a `base_url` that cannot be one is asked to be, in handbook.yaml and `--base-url`.
pub const BASE_URL_HINT: &str = "give the path the site is served from, such as /handbook/, or \
                                  the address it is published at, such as \
                                  https://security.example.com/handbook/";

fn default_base_url() -> String {
    "/".into()
}

fn default_theme() -> String {
    "default".into()
}

fn default_language() -> String {
    "en".into()
}

/// `language`: a BCP 47 tag's shape, a language of two to eight letters and subtags of up
/// to eight letters or digits, each after a `-` (RFC 5646).
fn language_tag<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    date::parse_str(d, "a language tag such as en, ja or pt-BR", |s| {
        let mut parts = s.split('-');
        let language = parts.next().unwrap_or_default();
        let fits = |p: &str, min| (min..=8).contains(&p.len());
        let well_formed = fits(language, 2)
            && language.chars().all(|c| c.is_ascii_alphabetic())
            && parts.all(|p| fits(p, 1) && p.chars().all(|c| c.is_ascii_alphanumeric()));
        match well_formed {
            true => Ok(s.to_string()),
            false => Err(format!("`{s}` is not a language tag")),
        }
    })
}

/// `id`: a UUID, but not the nil or the max UUID, which every handbook could write.
fn handbook_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Uuid>, D::Error> {
    date::parse_str(
        d,
        "a UUID such as 0b6f2c1e-4d7a-4c1b-9a51-3f0e8f6d2a10",
        |s| match Uuid::parse_str(s) {
            Ok(id) if id.is_nil() || id.is_max() => {
                Err(format!("`{s}` is not a handbook's own id"))
            }
            Ok(id) => Ok(Some(id)),
            Err(_) => Err(format!("invalid handbook id `{s}`")),
        },
    )
}

/// How a handbook gets a UUID of its own, in the hints about `id`.
const ID_HINT: &str = "give the handbook an `id:` of its own, a new random UUID: `uuidgen` \
                       prints one, and `secbook init` writes one into every handbook it starts";

/// What the identifiers that leave the site (OSCAL uuids, Atom ids, iCalendar UIDs) derive
/// from, so that two handbooks never share one (SPEC 8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdBasis {
    /// handbook.yaml's `id`.
    Id,
    /// An absolute `base_url`, with its trailing slash: unique to the site, but it changes
    /// when the site moves.
    BaseUrl(String),
    /// The title: the last resort, shared by any handbook of the same title.
    Title,
}

/// The namespace of a handbook's identifiers.
#[derive(Debug)]
pub struct Identity {
    namespace: Uuid,
    pub basis: IdBasis,
}

impl Identity {
    /// The name-based (v5) UUID of `name` (such as `exception/EXC-001/risk`) in this
    /// handbook: the same handbook and name give the same UUID on every build, and two
    /// handbooks never give the same one.
    pub fn uuid(&self, name: &str) -> Uuid {
        Uuid::new_v5(&self.namespace, name.as_bytes())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedsConfig {
    /// Entries per Atom feed, newest first: a register of 20,000 records would otherwise
    /// make 15 MB feeds that readers fetch again and again.
    #[serde(default = "default_feed_limit")]
    pub limit: usize,
}

impl Default for FeedsConfig {
    fn default() -> Self {
        Self {
            limit: default_feed_limit(),
        }
    }
}

fn default_feed_limit() -> usize {
    50
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExceptionsConfig {
    #[serde(default = "default_expiring_within_days")]
    pub expiring_within_days: u32,
    #[serde(
        default = "default_policy",
        deserialize_with = "crate::model::text::unique_keys"
    )]
    pub policy: BTreeMap<Severity, PolicyRule>,
}

impl Default for ExceptionsConfig {
    fn default() -> Self {
        Self {
            expiring_within_days: default_expiring_within_days(),
            policy: default_policy(),
        }
    }
}

fn default_expiring_within_days() -> u32 {
    30
}

/// The minimum approver level on each side, and the longest term, for one severity.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRule {
    #[serde(default)]
    pub business: Option<Level>,
    #[serde(default)]
    pub security: Option<Level>,
    pub max_days: u32,
}

/// SPEC section 2's table: what a handbook gets when it states no policy.
fn default_policy() -> BTreeMap<Severity, PolicyRule> {
    let rule = |business, security, max_days| PolicyRule {
        business,
        security,
        max_days,
    };
    BTreeMap::from([
        (
            Severity::Critical,
            rule(Some(Level::Vp), Some(Level::Vp), 90),
        ),
        (
            Severity::High,
            rule(Some(Level::Director), Some(Level::Director), 180),
        ),
        (
            Severity::Medium,
            rule(Some(Level::Manager), Some(Level::Manager), 365),
        ),
        (Severity::Low, rule(None, Some(Level::Staff), 365)),
    ])
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentsConfig {
    #[serde(default = "default_postmortem_required")]
    pub postmortem_required: Vec<IncidentSeverity>,
    #[serde(default = "default_stale_open_days")]
    pub stale_open_days: u32,
}

impl Default for IncidentsConfig {
    fn default() -> Self {
        Self {
            postmortem_required: default_postmortem_required(),
            stale_open_days: default_stale_open_days(),
        }
    }
}

fn default_postmortem_required() -> Vec<IncidentSeverity> {
    vec![IncidentSeverity::Sev1, IncidentSeverity::Sev2]
}

fn default_stale_open_days() -> u32 {
    30
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    #[serde(default)]
    pub open_risks: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkdownConfig {
    #[serde(default)]
    pub allow_html: bool,
    /// Images on other hosts in pages shown as images, which the browser fetches when the
    /// page opens; by default they are links (SPEC 8). Never in records.
    #[serde(default)]
    pub allow_remote_images: bool,
}

/// Bounds on what the build reads (SECURITY.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// The largest file read as text (a page, a record, a template), in megabytes.
    #[serde(default = "default_max_file_mb")]
    pub max_file_mb: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_file_mb: default_max_file_mb(),
        }
    }
}

fn default_max_file_mb() -> u32 {
    crate::load::source::MAX_FILE_MB
}

impl LimitsConfig {
    pub fn max_file_bytes(&self) -> u64 {
        u64::from(self.max_file_mb) * 1024 * 1024
    }
}

/// Each record's history from git (SPEC 14).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryConfig {
    /// Off by default: a handbook outside git would warn on every build.
    #[serde(default)]
    pub enabled: bool,
    /// How many days after the date it claims an approval may reach git before it counts
    /// as backdated: a pull request takes some days to merge.
    #[serde(default = "default_approval_lag_days")]
    pub approval_lag_days: u32,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            approval_lag_days: default_approval_lag_days(),
        }
    }
}

fn default_approval_lag_days() -> u32 {
    14
}

/// `notify` (SPEC 13): whom the weekly report by email comes from, the server it goes
/// through, and who gets the items nobody else can. The server's user name and password
/// are never here: they come from the environment only.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    #[serde(deserialize_with = "mailbox")]
    pub from: Mailbox,
    #[serde(default, deserialize_with = "smtp_url")]
    pub smtp: Option<SmtpUrl>,
    /// Gets the items of people who left with no manager still here, who have no email
    /// address mail can be sent to, and of nobody.
    #[serde(deserialize_with = "mailbox")]
    pub fallback: Mailbox,
    /// The most one step with the server may take (a connect, STARTTLS, the login, a
    /// message): a server that stops answering, or drips its reply, ends the run with an
    /// error rather than hanging it.
    #[serde(
        default = "default_notify_timeout",
        deserialize_with = "notify_timeout"
    )]
    pub timeout_seconds: u64,
}

fn mailbox<'de, D: Deserializer<'de>>(d: D) -> Result<Mailbox, D::Error> {
    date::parse_str(
        d,
        "an email address, or a name and an address: \"Security <security@example.com>\"",
        |s| {
            let mailbox = s.trim().parse::<Mailbox>();
            let m = mailbox.map_err(|e| format!("`{s}` is not an email address ({e})"))?;
            // A server without SMTPUTF8 (RFC 6531) refuses every message from or to it; the
            // domain has an ASCII spelling, the part before `@` none.
            if !m.email.user().is_ascii() {
                return Err(format!(
                    "`{s}` has letters beyond ASCII before its `@`, which a mail server \
                     without SMTPUTF8 refuses in every message: use an ASCII address"
                ));
            }
            Ok(Mailbox::new(m.name, person::ascii_domain(m.email)))
        },
    )
}

fn smtp_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SmtpUrl>, D::Error> {
    date::parse_str(d, "smtp://HOST[:PORT] or smtps://HOST[:PORT]", |s| {
        SmtpUrl::parse(s).map(Some)
    })
}

fn default_notify_timeout() -> u64 {
    30
}

/// The range is checked inside the visitor, as [`date::parse_str`] checks, so that
/// serde_yaml places the error at the value, with the field's path.
fn notify_timeout<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    struct Seconds;
    impl serde::de::Visitor<'_> for Seconds {
        type Value = u64;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number of seconds, 1 to 600")
        }
        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<u64, E> {
            self.visit_u128(n.into())
        }
        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<u64, E> {
            self.visit_i128(n.into())
        }
        fn visit_i128<E: serde::de::Error>(self, n: i128) -> Result<u64, E> {
            match u128::try_from(n) {
                Ok(n) => self.visit_u128(n),
                Err(_) => Err(out_of_range(n)),
            }
        }
        fn visit_u128<E: serde::de::Error>(self, n: u128) -> Result<u64, E> {
            match n {
                1..=600 => Ok(n as u64),
                _ => Err(out_of_range(n)),
            }
        }
    }
    fn out_of_range<E: serde::de::Error>(n: impl std::fmt::Display) -> E {
        E::custom(format!("{n} seconds is out of range: expected 1 to 600"))
    }
    d.deserialize_any(Seconds)
}

/// Where `notify` sends: `smtp://` with STARTTLS (port 587 unless given), `smtps://` with
/// TLS from the first byte (port 465).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    /// TLS from the first byte, not after STARTTLS.
    pub implicit_tls: bool,
    /// A name or an IP address, without the brackets of an IPv6 address.
    pub host: String,
    pub port: u16,
}

impl SmtpUrl {
    pub fn parse(text: &str) -> Result<SmtpUrl, String> {
        // Quoted with its password masked: a URL that is wrong may hold one all the same.
        let bad = |why: &str| Err(format!("`{}` {why}", masked_url(text)));
        let Ok(url) = url::Url::parse(text.trim()) else {
            return bad("is not a URL");
        };
        let implicit_tls = match url.scheme() {
            "smtp" => false,
            "smtps" => true,
            _ => return bad("is not an smtp:// or smtps:// URL"),
        };
        if !url.username().is_empty() || url.password().is_some() {
            // Not repeated: the URL holds a password.
            return Err("the SMTP URL holds a user name or password: give them in \
                        SECBOOK_SMTP_USERNAME and SECBOOK_SMTP_PASSWORD instead"
                .into());
        }
        if !matches!(url.path(), "" | "/") || url.query().is_some() || url.fragment().is_some() {
            return bad("has a path, a query or a fragment");
        }
        let host = match url.host() {
            Some(url::Host::Domain(name)) if !name.is_empty() => name.to_string(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            _ => return bad("names no host"),
        };
        let port = url.port().unwrap_or(if implicit_tls { 465 } else { 587 });
        Ok(SmtpUrl {
            implicit_tls,
            host,
            port,
        })
    }

    /// Whether the server is this machine, the one place mail may go without TLS.
    pub fn is_loopback(&self) -> bool {
        match self.host.parse::<std::net::IpAddr>() {
            Ok(ip) => ip.is_loopback(),
            Err(_) => self.host.eq_ignore_ascii_case("localhost"),
        }
    }
}

impl std::fmt::Display for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.implicit_tls { "smtps" } else { "smtp" };
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{scheme}://{}:{}", self.host, self.port)
        }
    }
}

/// `text`, a URL or what was meant for one, with the password it may hold masked: what is
/// between the first `:` after the scheme's `://` (or, without one, the first `:`) and the
/// last `@` (`smtp://bot:********@host`).
fn masked_url(text: &str) -> std::borrow::Cow<'_, str> {
    let Some(at) = text.rfind('@') else {
        return text.into();
    };
    let from = text.find("://").map_or(0, |i| i + 3).min(at);
    match text[from..at].find(':') {
        Some(colon) => format!("{}********{}", &text[..from + colon + 1], &text[at..]).into(),
        None => text.into(),
    }
}

/// `errors`, their lines of `file` shown with the password of every URL in it masked
/// (`smtp://user:****@host`): such a URL is refused, and its report is printed where a CI
/// log may show it to anyone.
fn without_passwords(file: &Arc<SourceFile>, mut errors: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let text = &file.text;
    let mut masked = text.clone().into_bytes();
    for (at, _) in text.match_indices("://") {
        let rest = &text[at + 3..];
        let authority = &rest[..rest
            .find(|c: char| "/?#\"',}] \t\r\n".contains(c))
            .unwrap_or(rest.len())];
        if let Some(user_info) = authority.rfind('@').map(|end| &authority[..end])
            && let Some(colon) = user_info.find(':')
        {
            let start = at + 3 + colon + 1;
            masked[start..at + 3 + user_info.len()].fill(b'*');
        }
    }
    if masked != text.as_bytes() {
        let shown = SourceFile::new(&file.name, String::from_utf8_lossy(&masked).into_owned());
        for d in &mut errors {
            if d.file.as_ref().is_some_and(|f| Arc::ptr_eq(f, file)) {
                d.file = Some(Arc::clone(&shown));
            }
        }
    }
    errors
}

impl Config {
    /// Loads handbook.yaml, checking what serde cannot: the lint codes. Fails with every
    /// error [`Config::load_with_defaults`] finds.
    pub fn load(file: &Arc<SourceFile>) -> Result<Config, Vec<Diagnostic>> {
        match Config::load_with_defaults(file) {
            (config, errors) if errors.is_empty() => Ok(config),
            (_, errors) => Err(errors),
        }
    }

    /// Loads what can be loaded of handbook.yaml: a top-level setting that does not load
    /// is reported and left at its default, so the build can go on and report the rest
    /// of the handbook's errors with it.
    pub fn load_with_defaults(file: &Arc<SourceFile>) -> (Config, Vec<Diagnostic>) {
        let (config, errors) = Config::read(file);
        (config, without_passwords(file, errors))
    }

    fn read(file: &Arc<SourceFile>) -> (Config, Vec<Diagnostic>) {
        let (config, mut errors) = yaml::parse_lenient::<Config>(file);
        let Some(mut config) = config else {
            return (Config::default(), errors);
        };
        // A line that starts with `title:` writes it, though what comes before it in the
        // file (an unclosed quote) keeps YAML from reading it: that is reported, and
        // `title` is not missing.
        let written = file.text.lines().any(|line| {
            let key = line.split(':').next().unwrap_or_default();
            line.contains(':') && key.trim_end().trim_matches(['"', '\'']) == "title"
        });
        // A key misspelt for `title` (`titel:`) is told as unknown, its hint `title`: not
        // as missing too, one cause once, as a record's misspelt field is.
        let misspelt = || {
            let fields = yaml::fields_of::<Config>().iter().copied();
            (yaml::keys(file, &[]).iter()).any(|key| closest(key, fields.clone()) == Some("title"))
        };
        if !written && yaml::locate(file, &[yaml::Seg::Key("title")]).is_none() && !misspelt() {
            let span = yaml::locate(file, &[]).map_or(0..0, |p| p.key);
            errors.push(
                Diagnostic::error("missing field `title`")
                    .at(file, span)
                    .with_hint("add `title:`; it is required"),
            );
        }
        if let Some(long) = crate::load::content::title_too_long(&config.title, "the handbook's") {
            let span = yaml::locate(file, &[yaml::Seg::Key("title")]).map_or(0..0, |p| p.value);
            errors.push(long.at(file, span).with_hint(
                "the header and the browser's title of every page show it: write the rest in \
                 `description`",
            ));
        }
        errors.extend(
            lint_codes(file, &config)
                .into_iter()
                .filter(|code| !finding::CODES.contains(&code.as_str()))
                .map(|code| {
                    let span =
                        yaml::locate(file, &[yaml::Seg::Key("lints"), yaml::Seg::Key(&code)])
                            .map_or(0..0, |p| p.key);
                    let diag =
                        Diagnostic::error(format!("unknown finding code `{code}` in `lints`"))
                            .at(file, span);
                    match closest(&code, finding::CODES.iter().copied()) {
                        Some(best) => diag.with_hint(format!("did you mean `{best}`?")),
                        None => diag,
                    }
                }),
        );
        // An `id` that did not load is reported by serde, which knows no hint.
        if config.id.is_none()
            && let Some(place) = yaml::locate(file, &[yaml::Seg::Key("id")])
        {
            let entry = place.key.start..place.value.end.max(place.key.end);
            for d in &mut errors {
                if entry.contains(&d.span.start) && d.hint.is_none() {
                    d.hint = Some(ID_HINT.into());
                }
            }
        }
        if config.feeds.limit == 0 {
            let span = yaml::locate(file, &[yaml::Seg::Key("feeds"), yaml::Seg::Key("limit")])
                .map_or(0..0, |p| p.value);
            errors.push(
                Diagnostic::error("`feeds.limit` must be at least 1")
                    .at(file, span)
                    .with_hint(format!(
                        "leave it out for the default of {} entries per feed",
                        default_feed_limit()
                    )),
            );
            config.feeds = FeedsConfig::default();
        }
        if let Some(why) = crate::model::links::base_problem(&config.base_url) {
            let span = yaml::locate(file, &[yaml::Seg::Key("base_url")]).map_or(0..0, |p| p.value);
            errors.push(
                Diagnostic::error(format!("`base_url` {why}"))
                    .at(file, span)
                    .with_hint(BASE_URL_HINT),
            );
            config.base_url = default_base_url();
        }
        let other_errors = !errors.is_empty();
        errors.extend(crate::load::audience::check_config(
            &config,
            other_errors,
            file,
        ));
        if config.limits.max_file_mb == 0 {
            let span = yaml::locate(
                file,
                &[yaml::Seg::Key("limits"), yaml::Seg::Key("max_file_mb")],
            )
            .map_or(0..0, |p| p.value);
            errors.push(
                Diagnostic::error("`limits.max_file_mb` must be at least 1")
                    .at(file, span)
                    .with_hint(format!(
                        "leave it out for the default of {} MB",
                        crate::load::source::MAX_FILE_MB
                    )),
            );
            config.limits = LimitsConfig::default();
        }
        (config, errors)
    }

    /// What the identifiers that leave the site derive from: `id`, else an absolute
    /// `base_url`, else the title (SPEC 8).
    pub fn identity(&self) -> Identity {
        if let Some(id) = self.id {
            return Identity {
                namespace: id,
                basis: IdBasis::Id,
            };
        }
        match crate::model::links::absolute_base(&self.base_url) {
            Some(base) => Identity {
                namespace: Uuid::new_v5(&Uuid::NAMESPACE_URL, base.as_bytes()),
                basis: IdBasis::BaseUrl(base),
            },
            None => {
                // secbook's own namespace: the v5 UUID of `urn:secbook` among URLs.
                let secbook = Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:secbook");
                Identity {
                    namespace: Uuid::new_v5(&secbook, format!("title/{}", self.title).as_bytes()),
                    basis: IdBasis::Title,
                }
            }
        }
    }

    /// The one warning of a handbook without `id`, at the setting its identifiers derive
    /// from instead. The hint asks for a new random UUID rather than offering one: the
    /// warning must read the same on every run, and a UUID derived from the title would
    /// be the same in every handbook of that title.
    pub fn identity_warning(&self, file: &Arc<SourceFile>) -> Option<Diagnostic> {
        let (key, what) = match self.identity().basis {
            IdBasis::Id => return None,
            IdBasis::BaseUrl(base) => (
                "base_url",
                format!("from base_url `{base}`, so they change when the site moves"),
            ),
            IdBasis::Title => (
                "title",
                "from the title, so another handbook of the same title shares them".into(),
            ),
        };
        let span = yaml::locate(file, &[yaml::Seg::Key(key)])
            .or_else(|| yaml::locate(file, &[]))
            .map_or(0..0, |p| p.key);
        Some(
            Diagnostic::warning(format!(
                "handbook.yaml has no `id`: the identifiers in the feeds, the calendar and \
                 the OSCAL export derive {what}"
            ))
            .at(file, span)
            .with_hint(ID_HINT),
        )
    }

    pub fn lint_level(&self, code: &str, strict: bool) -> LintLevel {
        let level = self.lints.get(code).copied().unwrap_or_default();
        if strict && level == LintLevel::Warn {
            LintLevel::Deny
        } else {
            level
        }
    }
}

/// The codes `lints` names. A level that does not load leaves `lints` out of the
/// settings, so they are then read from the file's outline: an unknown code beside it is
/// reported too.
fn lint_codes(file: &SourceFile, config: &Config) -> Vec<String> {
    match config.lints.is_empty() {
        true => yaml::keys(file, &[yaml::Seg::Key("lints")]),
        false => config.lints.keys().cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, Vec<Diagnostic>> {
        Config::load(&SourceFile::new("handbook.yaml", text))
    }

    #[test]
    fn defaults_follow_the_spec() {
        let c = load("title: T\n").unwrap();
        assert_eq!(c.exceptions.expiring_within_days, 30);
        assert_eq!(c.exceptions.policy[&Severity::High].max_days, 180);
        assert_eq!(c.exceptions.policy[&Severity::Low].business, None);
        assert_eq!(c.incidents.stale_open_days, 30);
        assert!(!c.markdown.allow_html);
    }

    #[test]
    fn unknown_nested_key_is_reported_with_closest() {
        let err = load("title: T\nexceptions:\n  expiring_within_dayz: 3\n").unwrap_err();
        assert_eq!(
            err[0].message,
            "exceptions: unknown field `expiring_within_dayz`"
        );
        assert_eq!(
            err[0].hint.as_deref(),
            Some("did you mean `expiring_within_days`?")
        );
        assert_eq!(err[0].location(), Some(("handbook.yaml".into(), 3, 3)));
    }

    #[test]
    fn file_size_limit_defaults_to_ten_megabytes() {
        assert_eq!(
            load("title: T\n").unwrap().limits.max_file_bytes(),
            10 << 20
        );
        let c = load("title: T\nlimits: { max_file_mb: 2 }\n").unwrap();
        assert_eq!(c.limits.max_file_bytes(), 2 << 20);
        let err = load("title: T\nlimits: { max_file_mb: 0 }\n").unwrap_err();
        assert_eq!(err[0].location(), Some(("handbook.yaml".into(), 2, 24)));
        let err = load("title: T\nlimits: { max_file_kb: 1 }\n").unwrap_err();
        assert_eq!(err[0].hint.as_deref(), Some("did you mean `max_file_mb`?"));
    }

    #[test]
    fn a_setting_that_does_not_load_is_reported_with_the_others_and_left_at_its_default() {
        let file = SourceFile::new(
            "handbook.yaml",
            "title: null\ntheme: ~\nbase_url: /x/\nexceptions:\n  expiring_within_days: soon\n\
             description: ''\nlints:\n  exception.expird: deny\nmetrics: {open_risks: 3}\n",
        );
        let (config, errors) = Config::load_with_defaults(&file);
        let lines: Vec<usize> = errors.iter().map(|d| d.location().unwrap().1).collect();
        assert_eq!(lines, [1, 2, 5, 6, 8], "{errors:#?}");
        assert_eq!(errors[0].message, "`title` has no value");
        assert_eq!(config.base_url, "/x/");
        assert_eq!(config.theme, "default");
        assert_eq!(config.exceptions.expiring_within_days, 30);
        assert_eq!(config.metrics.open_risks, Some(3));
        let err = load("description: x\n").unwrap_err();
        assert_eq!(err[0].message, "missing field `title`");
        let err = load(
            "title: T\nexceptions:\n  policy:\n    low: {max_days: 9}\n    low: {max_days: 8}\n",
        )
        .unwrap_err();
        assert_eq!(err[0].message, "duplicate key `exceptions.policy.low`");
        assert_eq!(err[0].location(), Some(("handbook.yaml".into(), 5, 5)));
    }

    #[test]
    fn id_must_be_a_uuid_of_its_own_and_is_reported_at_its_value() {
        let c = load("title: T\nid: 0B6F2C1E-4D7A-4C1B-9A51-3F0E8F6D2A10\n").unwrap();
        assert_eq!(
            c.id.map(|id| id.to_string()).as_deref(),
            Some("0b6f2c1e-4d7a-4c1b-9a51-3f0e8f6d2a10")
        );
        for (value, message) in [
            ("0b6f2c1e-4d7a", "id: invalid handbook id `0b6f2c1e-4d7a`"),
            ("12", "id: invalid handbook id `12`"),
            (
                "00000000-0000-0000-0000-000000000000",
                "id: `00000000-0000-0000-0000-000000000000` is not a handbook's own id",
            ),
        ] {
            let err = load(&format!("title: T\nid: {value}\nfeeds: {{limit: 5}}\n")).unwrap_err();
            assert_eq!(err.len(), 1, "{err:#?}");
            assert!(err[0].message.starts_with(message), "{}", err[0].message);
            assert_eq!(err[0].location(), Some(("handbook.yaml".into(), 2, 5)));
            assert!(
                err[0]
                    .hint
                    .as_deref()
                    .is_some_and(|h| h.contains("uuidgen"))
            );
        }
    }

    #[test]
    fn identifiers_derive_from_the_id_else_an_absolute_base_url_else_the_title() {
        let identity = |text: &str| load(text).unwrap().identity();
        let id = "title: T\nid: 0b6f2c1e-4d7a-4c1b-9a51-3f0e8f6d2a10\n";
        let with_id = identity(id);
        assert_eq!(with_id.basis, IdBasis::Id);
        assert_eq!(with_id.uuid("x").get_version_num(), 5);
        assert_eq!(with_id.uuid("x"), identity(id).uuid("x"), "repeatable");
        assert_ne!(with_id.uuid("x"), with_id.uuid("y"));
        let other_id = identity("title: T\nid: 1b6f2c1e-4d7a-4c1b-9a51-3f0e8f6d2a10\n");
        assert_ne!(with_id.uuid("x"), other_id.uuid("x"));
        let moved = identity(&format!("{id}base_url: https://x.org/\n"));
        assert_eq!(
            with_id.uuid("x"),
            moved.uuid("x"),
            "the id wins over base_url"
        );

        let at = identity("title: T\nbase_url: https://x.org/sec\n");
        assert_eq!(at.basis, IdBasis::BaseUrl("https://x.org/sec/".into()));
        let elsewhere = identity("title: T\nbase_url: https://y.org/sec/\n");
        assert_ne!(at.uuid("x"), elsewhere.uuid("x"));

        let titled = identity("title: T\nbase_url: /sec/\n");
        assert_eq!(titled.basis, IdBasis::Title);
        assert_ne!(titled.uuid("x"), identity("title: U\n").uuid("x"));
        assert_eq!(titled.uuid("x"), identity("title: T\n").uuid("x"));
    }

    #[test]
    fn a_handbook_without_id_is_warned_at_what_its_identifiers_derive_from() {
        let warning = |text: &str| {
            let file = SourceFile::new("handbook.yaml", text);
            Config::load(&file).unwrap().identity_warning(&file)
        };
        assert!(warning("title: T\nid: 0b6f2c1e-4d7a-4c1b-9a51-3f0e8f6d2a10\n").is_none());
        let titled = warning("description: d\ntitle: T\n").unwrap();
        assert_eq!(titled.level, crate::diagnostics::Level::Warning);
        assert!(
            titled.message.contains("from the title"),
            "{}",
            titled.message
        );
        assert_eq!(titled.location(), Some(("handbook.yaml".into(), 2, 1)));
        let based = warning("title: T\nbase_url: https://x.org\n").unwrap();
        assert!(
            based.message.contains("`https://x.org/`"),
            "{}",
            based.message
        );
        assert_eq!(based.location(), Some(("handbook.yaml".into(), 2, 1)));
        assert!(
            based
                .hint
                .as_deref()
                .is_some_and(|h| h.contains("secbook init"))
        );
    }

    #[test]
    fn feeds_hold_fifty_entries_unless_told_and_at_least_one() {
        assert_eq!(load("title: T\n").unwrap().feeds.limit, 50);
        assert_eq!(
            load("title: T\nfeeds: {limit: 3}\n").unwrap().feeds.limit,
            3
        );
        let err = load("title: T\nfeeds:\n  limit: 0\n").unwrap_err();
        assert_eq!(err[0].message, "`feeds.limit` must be at least 1");
        assert_eq!(err[0].location(), Some(("handbook.yaml".into(), 3, 10)));
        let err = load("title: T\nfeeds: {limit: -1}\n").unwrap_err();
        assert_eq!(err[0].location().map(|l| l.1), Some(2));
    }

    #[test]
    fn smtp_urls_name_the_tls_and_only_loopback_may_go_without() {
        let url = SmtpUrl::parse("smtp://mail.example.com").unwrap();
        assert_eq!((url.implicit_tls, url.port), (false, 587));
        assert!(!url.is_loopback());
        let url = SmtpUrl::parse("smtps://mail.example.com:2465/").unwrap();
        assert_eq!((url.implicit_tls, url.port), (true, 2465));
        assert_eq!(url.to_string(), "smtps://mail.example.com:2465");
        for loopback in [
            "smtp://127.0.0.1:25",
            "smtp://[::1]:25",
            "smtp://LOCALHOST",
            "smtp://127.1.2.3",
        ] {
            assert!(
                SmtpUrl::parse(loopback).unwrap().is_loopback(),
                "{loopback}"
            );
        }
        assert_eq!(
            SmtpUrl::parse("smtp://[::1]:25").unwrap().to_string(),
            "smtp://[::1]:25"
        );
        for bad in [
            "http://mail.example.com",
            "smtp://",
            "smtp://h/x",
            "smtp://h?x=1",
            "mail.example.com",
        ] {
            assert!(SmtpUrl::parse(bad).is_err(), "{bad}");
        }
        let err = SmtpUrl::parse("smtp://bot:hunter2@mail.example.com").unwrap_err();
        assert!(
            err.contains("SECBOOK_SMTP_PASSWORD") && !err.contains("hunter2"),
            "{err}"
        );
        // A URL wrong in another way is quoted, its password masked.
        for (wrong, shown) in [
            (
                "smtp://bot:hunter2@127.0.0.1:99999",
                "`smtp://bot:********@127.0.0.1:99999` is not a URL",
            ),
            (
                "smtps://bot:hun@ter2@[::1",
                "`smtps://bot:********@[::1` is not a URL",
            ),
            (
                "http://bot:hunter2@h",
                "`http://bot:********@h` is not an smtp:// or smtps:// URL",
            ),
            (
                "bot:hunter2@mail.example.com",
                "`bot:********@mail.example.com` is not an smtp:// or smtps:// URL",
            ),
        ] {
            assert_eq!(SmtpUrl::parse(wrong).unwrap_err(), shown);
        }
    }

    #[test]
    fn notify_settings_are_checked_at_their_place() {
        let c = load("title: T\nnotify:\n  from: \"Sec <sec@x.com>\"\n  fallback: sec@x.com\n")
            .unwrap();
        let notify = c.notify.unwrap();
        assert_eq!(notify.from.to_string(), "Sec <sec@x.com>");
        assert_eq!((notify.smtp, notify.timeout_seconds), (None, 30));
        let err =
            load("title: T\nnotify:\n  from: \"Sec <s\u{e9}cu@x.com>\"\n  fallback: sec@x.com\n")
                .unwrap_err();
        assert_eq!(err[0].location(), Some(("handbook.yaml".into(), 3, 9)));
        assert!(
            err[0].message.contains("beyond ASCII before its `@`"),
            "{}",
            err[0].message
        );
        let err = load("title: T\nnotify:\n  from: nobody\n  fallback: sec@x.com\n").unwrap_err();
        assert_eq!(err[0].location(), Some(("handbook.yaml".into(), 3, 9)));
        assert!(
            err[0].message.contains("`nobody` is not an email address"),
            "{}",
            err[0].message
        );
        let too_large = "99999999999999999999";
        for (timeout, column) in [
            ("0", 20),
            ("-5", 20),
            ("601", 20),
            ("  7000", 22),
            (too_large, 20),
        ] {
            let text = format!(
                "title: T\nnotify:\n  from: a@x.com\n  fallback: a@x.com\n  timeout_seconds: {timeout}\n"
            );
            let err = load(&text).unwrap_err();
            let n = timeout.trim();
            assert_eq!(
                err[0].message,
                format!("notify.timeout_seconds: {n} seconds is out of range: expected 1 to 600")
            );
            assert_eq!(err[0].location(), Some(("handbook.yaml".into(), 5, column)));
        }
        let err = load("title: T\nnotify: {from: a@x.com}\n").unwrap_err();
        assert!(err[0].message.contains("fallback"), "{}", err[0].message);
    }

    #[test]
    fn unknown_lint_code_is_reported_at_its_key() {
        let err = load("title: T\nlints:\n  exception.expird: deny\n").unwrap_err();
        assert_eq!(err[0].location(), Some(("handbook.yaml".into(), 3, 3)));
        assert_eq!(
            err[0].hint.as_deref(),
            Some("did you mean `exception.expired`?")
        );
    }
}
