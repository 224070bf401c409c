//! People as records name them: `"Name <email>"`, `"Name"`, or `{name, email}`.

use std::borrow::Cow;
use std::fmt;

use ahash::HashMap;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::model::date::Date;
use crate::model::vocab::{Level, Side};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Person {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// `email` as an address mail can be sent to, trimmed; `None` where it is not one. A
/// record's text may hold anything, and the exports that name an address (an Atom
/// author's, an OSCAL party's) require one. It is the one rule of `check`'s warning, of
/// who gets mail in `report` and `notify`, and of the exports.
///
/// lettre writes a recipient into the To header and reads the envelope back from it, so
/// an address must read back as written: `"ann lee"@example.com` is an address of RFC
/// 5322, but reads back without its quotes, and a message to it would reach nobody.
pub fn address(email: &str) -> Option<&str> {
    let email = email.trim();
    let read: lettre::message::Mailbox = email.parse().ok()?;
    (read.email.to_string() == email).then_some(email)
}

/// `address` with its domain written in ASCII (`bücher.example` as
/// `xn--bcher-kva.example`), as mail servers take it without SMTPUTF8, which not all
/// offer. A domain that has no such form is left as written, for the server to refuse.
pub fn ascii_domain(address: lettre::Address) -> lettre::Address {
    let domain = address.domain();
    if domain.is_ascii() {
        return address;
    }
    let ascii = idna::domain_to_ascii(domain).ok();
    ascii
        .and_then(|ascii| lettre::Address::new(address.user(), ascii).ok())
        .unwrap_or(address)
}

impl Person {
    /// `Name <email>`, `<email>`, a bare address, or a name. A person written by their
    /// address alone is named by it, as a mail client names them.
    pub fn parse(s: &str) -> Person {
        let s = s.trim();
        if let Some((name, rest)) = s.split_once('<')
            && let Some(email) = rest.strip_suffix('>')
        {
            let (name, email) = (name.trim(), email.trim());
            return Person {
                name: if name.is_empty() { email } else { name }.to_string(),
                email: Some(email.to_string()).filter(|e| !e.is_empty()),
            };
        }
        Person {
            name: s.to_string(),
            email: address(s).map(str::to_string),
        }
    }

    /// "unassigned" and an empty name both mean nobody owns it.
    pub fn is_unassigned(&self) -> bool {
        let name = self.name.trim();
        name.is_empty() || name.eq_ignore_ascii_case("unassigned")
    }

    /// Whether two mentions give the same name, letter case and surrounding spaces ignored.
    pub fn same_name(&self, other: &Person) -> bool {
        fold(&self.name) == fold(&other.name)
    }

    /// Whether two mentions name the same person: by email when both give one, else by
    /// name, letter case and surrounding spaces ignored.
    pub fn same_as(&self, other: &Person) -> bool {
        match (&self.email, &other.email) {
            (Some(a), Some(b)) => fold_email(a) == fold_email(b),
            _ => self.same_name(other),
        }
    }

    /// A stable key for grouping: the email when known, else the name, lowercased.
    pub fn key(&self) -> String {
        match &self.email {
            Some(email) => fold_email(email),
            None => fold(&self.name),
        }
        .into_owned()
    }

    /// The text [`Person::key`] is made from, as written: two mentions written alike
    /// have the same key, so a key can be made once per text.
    pub fn written_key(&self) -> &str {
        self.email.as_deref().unwrap_or(&self.name)
    }
}

/// The URL segment of the owner page of the person whose [`Person::key`] is `key`: its
/// letters beyond ASCII spelt in ASCII, as a page's are. An address is kept as it is
/// written (`ann.lee@example.org`), since a person's page must be theirs in every build:
/// spelt with dashes, `ann.lee@` and `ann-lee@` made one slug, and which of them had it
/// turned on the records an audience sees.
pub fn slug(key: &str) -> String {
    if key.contains('@') {
        return address_slug(key);
    }
    let mut out = String::new();
    for c in crate::model::links::ascii_spelling(key).chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() {
        "unassigned".into()
    } else if crate::model::reserved::is_reserved_name(&out) {
        // Someone may well be called Con: their page must not be a Windows device.
        format!("{out}-owner")
    } else {
        out
    }
}

/// [`slug`] of an address: the characters a URL's path and every file system keep as they
/// are (`.`, `_`, `-`, `@`), the others a `-`; no dot first, which would hide the folder,
/// nor last, which Windows drops.
fn address_slug(key: &str) -> String {
    let spelt = crate::model::links::ascii_spelling(key);
    let out: String = (spelt.chars())
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '.' | '_' | '-' | '@' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    (out.trim_start_matches(['.', '-']).trim_end_matches('.')).to_string()
}

impl fmt::Display for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.email {
            Some(email) if *email != self.name => write!(f, "{} <{email}>", self.name),
            _ => f.write_str(&self.name),
        }
    }
}

impl<'de> Deserialize<'de> for Person {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PersonVisitor;
        impl<'de> Visitor<'de> for PersonVisitor {
            type Value = Person;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"a person: "Name <email>", "Name", or {name, email}"#)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Person, E> {
                Ok(Person::parse(s))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Person, A::Error> {
                let mut name = None;
                let mut email = None;
                while let Some(key) = map.next_key::<String>()? {
                    let (field, slot) = match key.as_str() {
                        "name" => ("name", &mut name),
                        "email" => ("email", &mut email),
                        other => return Err(de::Error::unknown_field(other, &["name", "email"])),
                    };
                    if slot.is_some() {
                        return Err(de::Error::duplicate_field(field));
                    }
                    *slot = Some(map.next_value::<crate::model::text::Text>()?.0);
                }
                Ok(Person {
                    name: name.ok_or_else(|| de::Error::missing_field("name"))?,
                    email,
                })
            }
        }
        d.deserialize_any(PersonVisitor)
    }
}

/// The people met so far, told apart as [`Person::same_as`] tells two, each lookup in
/// constant time where comparing with each met before grew with the square of their number:
/// by address, and by name, among those who give no address or for one who gives none.
#[derive(Default)]
pub struct Met {
    /// Each key to the first person met under it: their place in meeting order, and name.
    by_email: HashMap<String, (usize, String)>,
    by_name: HashMap<String, (usize, String)>,
    by_name_without_email: HashMap<String, (usize, String)>,
    count: usize,
}

impl Met {
    /// The name of the first person met whom `person` is the same as, else meets them.
    pub fn meet(&mut self, person: &Person) -> Option<String> {
        let name = fold(&person.name).into_owned();
        let email = person.email.as_deref().map(|e| fold_email(e).into_owned());
        let first = match &email {
            Some(email) => [
                self.by_email.get(email),
                self.by_name_without_email.get(&name),
            ]
            .into_iter()
            .flatten()
            .min(),
            None => self.by_name.get(&name),
        };
        if let Some((_, first)) = first {
            return Some(first.clone());
        }
        let met = (self.count, person.name.clone());
        self.count += 1;
        match email {
            Some(email) => self.by_email.entry(email).or_insert_with(|| met.clone()),
            None => (self.by_name_without_email)
                .entry(name.clone())
                .or_insert_with(|| met.clone()),
        };
        self.by_name.entry(name).or_insert(met);
        None
    }
}

/// An entry of data/people.yaml.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PersonEntry {
    #[serde(deserialize_with = "crate::model::text::text")]
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub side: Option<Side>,
    #[serde(default)]
    pub level: Option<Level>,
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub manager: Option<String>,
    #[serde(default)]
    pub departed: Option<Date>,
}

/// data/people.yaml, looked up by email first and by name second.
#[derive(Debug, Clone, Default)]
pub struct People {
    entries: Vec<PersonEntry>,
    /// The file is there but did not load (that error is reported): what it would give is
    /// unknown, so what depends on it is not checked.
    pub failed: bool,
    /// Each entry's email and name, [`fold`]ed, to the first entry that gives it: every
    /// record's people are looked up, and a search through the list for each grew with
    /// records times people.
    by_email: HashMap<String, usize>,
    by_name: HashMap<String, usize>,
}

impl People {
    pub fn new(entries: Vec<PersonEntry>) -> People {
        let mut by_email = HashMap::default();
        let mut by_name = HashMap::default();
        for (i, e) in entries.iter().enumerate() {
            if let Some(email) = &e.email {
                by_email.entry(fold_email(email).into_owned()).or_insert(i);
            }
            by_name.entry(fold(&e.name).into_owned()).or_insert(i);
        }
        People {
            entries,
            failed: false,
            by_email,
            by_name,
        }
    }

    /// The directory when data/people.yaml is there but did not load.
    pub fn failed() -> People {
        People {
            failed: true,
            ..People::default()
        }
    }

    pub fn entries(&self) -> &[PersonEntry] {
        &self.entries
    }

    pub fn find(&self, person: &Person) -> Option<&PersonEntry> {
        let by_email = (person.email.as_deref())
            .and_then(|email| self.by_email.get(fold_email(email).as_ref()));
        let at = by_email.or_else(|| self.by_name.get(fold(&person.name).as_ref()))?;
        self.entries.get(*at)
    }

    /// Each entry whose email address an earlier entry gives too, with that earlier one:
    /// [`find`] reads only the first, so what the later one says (a `departed` date, a
    /// level) would be lost without a word. An email that is no address (`TBD`), warned
    /// about on its own, may stand for several people.
    ///
    /// [`find`]: People::find
    pub fn repeated(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.entries.iter().enumerate().filter_map(|(i, e)| {
            let email = e.email.as_deref()?;
            let first = *self.by_email.get(fold_email(email).as_ref())?;
            (first != i && address(email).is_some()).then_some((i, first))
        })
    }

    /// `person` with the name and email data/people.yaml gives them, where the record
    /// leaves them out; an email mail can be sent to before one it cannot. Two mentions of
    /// one person, by name alone and with their email, are then one [`Person::key`].
    pub fn known(&self, person: &Person) -> Person {
        let entry = self.find(person);
        let written = [
            person.email.as_deref(),
            entry.and_then(|e| e.email.as_deref()),
        ];
        let written = written.into_iter().flatten().map(str::trim);
        Person {
            name: entry
                .map(|e| e.name.trim().to_string())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| person.name.trim().to_string()),
            email: (written.clone().find_map(address))
                .or_else(|| written.clone().find(|e| !e.is_empty()))
                .map(String::from),
        }
    }

    /// The name to show for `person`: as written, but for one written by their address
    /// alone, as data/people.yaml names them.
    pub fn shown_name<'a>(&'a self, person: &'a Person) -> &'a str {
        match self.find(person) {
            Some(entry) if person.email.as_ref() == Some(&person.name) => &entry.name,
            _ => &person.name,
        }
    }

    /// The date `person` left, if they left on or before `as_of`.
    pub fn departed(&self, person: &Person, as_of: Date) -> Option<Date> {
        self.find(person)?.departed.filter(|d| *d <= as_of)
    }
}

/// What of a name or an email tells one person from another: letter case (in any
/// script), Unicode's two spellings of an accented letter (`é` as one character, or as
/// `e` and a combining accent, as some systems write it) and surrounding spaces are
/// ignored, by every comparison of people alike.
/// Borrowed when nothing changes, as for most emails: every row and page of a register
/// looks its people up.
fn fold(text: &str) -> Cow<'_, str> {
    let text = text.trim();
    if text
        .bytes()
        .any(|b| !b.is_ascii() || b.is_ascii_uppercase())
    {
        Cow::Owned(text.nfc().flat_map(char::to_lowercase).nfc().collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// An email as [`fold`] has it, its domain as IDNA reads it: `bücher.example`,
/// `xn--bcher-kva.example` and `büch\u{ad}er.example` (IDNA drops a soft hyphen) are one
/// domain, which mail goes to in one ASCII form, so one mailbox is one person: one owner
/// page, one message.
fn fold_email(email: &str) -> Cow<'_, str> {
    let folded = fold(email);
    match folded.rsplit_once('@') {
        Some((local, domain)) if !domain.is_ascii() || domain.contains("xn--") => {
            match idna::domain_to_unicode(domain) {
                (unicode, Ok(())) => Cow::Owned(format!("{local}@{unicode}")),
                _ => folded,
            }
        }
        _ => folded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Met tells the people it has met as comparing each with every one before would.
    #[test]
    fn met_finds_whom_same_as_finds() {
        let mentions = [
            "Ann Lee",
            "ann@x.org",
            "Ann Lee <ANN@x.org>",
            "bo@y.org",
            "Bo <bo@y.org>",
            "Cy",
            "Cy <cy@z.org>",
            "cy <other@z.org>",
            "ann lee",
            "Dee <dee@x.org>",
            "Dee",
        ];
        let mut met = Met::default();
        let mut kept: Vec<Person> = Vec::new();
        for mention in mentions {
            let person = Person::parse(mention);
            let expected = kept
                .iter()
                .find(|k| k.same_as(&person))
                .map(|k| k.name.clone());
            assert_eq!(met.meet(&person), expected, "{mention}");
            if expected.is_none() {
                kept.push(person);
            }
        }
    }

    #[test]
    fn one_domain_written_three_ways_is_one_mailbox() {
        let key = |email: &str| Person::parse(&format!("Ann <{email}>")).key();
        assert_eq!(key("ann@bücher.example"), "ann@bücher.example");
        assert_eq!(key("Ann@XN--BCHER-KVA.example"), "ann@bücher.example");
        assert_eq!(key("ann@büch\u{ad}er.example"), "ann@bücher.example");
        assert_eq!(key("ann@bu\u{308}cher.example"), "ann@bücher.example");
        assert_ne!(key("ann@bucher.example"), "ann@bücher.example");
        let people = People::new(vec![PersonEntry {
            name: "Ann Lee".into(),
            email: Some("ann@xn--bcher-kva.example".into()),
            ..serde_yaml::from_str("{name: x}").unwrap()
        }]);
        let found = people.find(&Person::parse("Ann <ann@bücher.example>"));
        assert_eq!(found.map(|e| e.name.as_str()), Some("Ann Lee"));
        assert!(
            Person::parse("<ann@bücher.example>")
                .same_as(&Person::parse("<ANN@xn--bcher-kva.example>"))
        );
    }

    /// A folded text is borrowed only where lowering it would change nothing.
    #[test]
    fn fold_lowers_case_and_trims_as_to_lowercase_does() {
        for text in [
            " ann@example.com ",
            "Ann@Example.com",
            "ann lee",
            "ÉLODIE",
            "élodie",
            "ǅemal",
            "İ",
            "",
        ] {
            let folded = fold(text);
            assert_eq!(folded, text.trim().to_lowercase(), "{text:?}");
            let spelt_apart: String = text.nfd().collect();
            assert_eq!(
                fold(&spelt_apart),
                folded,
                "{text:?} spelt with combining marks"
            );
            assert_eq!(
                matches!(folded, Cow::Borrowed(_)),
                text.trim() == text.trim().to_lowercase() && text.is_ascii(),
                "{text:?}"
            );
        }
    }

    /// An address is what mail can be sent to; anything else a record may hold is not one.
    #[test]
    fn only_an_address_is_an_address() {
        assert_eq!(address(" ann@example.com "), Some("ann@example.com"));
        assert_eq!(
            address("ann.o'neil+sec@example.com"),
            Some("ann.o'neil+sec@example.com")
        );
        for not in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "a b@example.com",
            "<script>@x",
            "a@b@c",
            "\"ann lee\"@example.com",
            "\"ann\"@example.com",
            "Ann <ann@example.com>",
            "ann@example.com (Ann)",
        ] {
            assert_eq!(address(not), None, "{not:?}");
        }
    }

    #[test]
    fn parses_every_written_form() {
        let p: Person = serde_yaml::from_str("\"Ann Lee <ann@x.com>\"").unwrap();
        assert_eq!(
            p,
            Person {
                name: "Ann Lee".into(),
                email: Some("ann@x.com".into())
            }
        );
        let p: Person = serde_yaml::from_str("Ann Lee").unwrap();
        assert_eq!(p.email, None);
        // By address alone, with or without angle brackets.
        for written in ["ann@x.com", "<ann@x.com>", " < ann@x.com > "] {
            let p = Person::parse(written);
            assert_eq!(
                (p.name.as_str(), p.email.as_deref()),
                ("ann@x.com", Some("ann@x.com"))
            );
            assert!(!p.is_unassigned());
            assert_eq!(p.to_string(), "ann@x.com");
        }
        let p: Person = serde_yaml::from_str("{name: Ann, email: a@x}").unwrap();
        assert_eq!(p.to_string(), "Ann <a@x>");
        assert!(serde_yaml::from_str::<Person>("{name: Ann, mail: a@x}").is_err());
    }

    /// By email first, else by name, letter case and surrounding spaces ignored; the first
    /// entry that matches, as a search through the file finds it.
    #[test]
    fn people_are_found_by_email_then_by_name() {
        let people: Vec<PersonEntry> = serde_yaml::from_str(
            "- {name: Ann, email: Ann@X.com, title: first}\n\
             - {name: Ann, email: ann@x.com, title: second}\n\
             - {name: Bo Chen, title: by name}\n\
             - {name: bo chen, title: later}\n\
             - {name: Cy, email: cy@x.com}\n\
             - {name: émile Zola, email: émile@x.com, title: accented}\n",
        )
        .unwrap();
        let people = People::new(people);
        let title = |written: &str| {
            let found = people.find(&Person::parse(written));
            found.map(|e| e.title.as_deref().unwrap_or(&e.name).to_string())
        };
        assert_eq!(title("Someone <ANN@x.COM>").as_deref(), Some("first"));
        assert_eq!(title("  BO CHEN ").as_deref(), Some("by name"));
        assert_eq!(title("Bo Chen <bo@x.com>").as_deref(), Some("by name"));
        assert_eq!(title("Cy <cy@y.com>").as_deref(), Some("Cy"));
        assert_eq!(title("Ann Lee").as_deref(), None);
        assert_eq!(title("Dee <dee@x.com>"), None);
        // Letter case beyond ASCII is ignored as it is by `same_as` and `key`, which an
        // owner's page and the separation of duties go by.
        assert_eq!(title("ÉMILE ZOLA").as_deref(), Some("accented"));
        assert_eq!(title("E. Z. < ÉMILE@X.com >").as_deref(), Some("accented"));
        let (upper, lower) = (Person::parse("ÉMILE ZOLA"), Person::parse("émile zola"));
        assert!(upper.same_as(&lower) && upper.key() == lower.key());
    }

    #[test]
    fn unassigned_and_slug() {
        assert!(Person::parse("Unassigned").is_unassigned());
        assert_eq!(
            slug(&Person::parse("Ann <Ann.Lee@X.com>").key()),
            "ann.lee@x.com"
        );
        // Two addresses that differ in a dot and a dash are two pages.
        assert_eq!(slug("ann-lee@x.com"), "ann-lee@x.com");
        assert_eq!(slug("a+b c/d@x.com"), "a-b-c-d@x.com");
        assert_eq!(slug(".@x."), "@x");
        assert_eq!(slug(&Person::parse("Con").key()), "con-owner");
        assert_eq!(slug(&Person::parse("../../etc").key()), "etc");
        // A name in another script is spelt in ASCII, not every such name `unassigned`.
        assert_eq!(slug(&Person::parse("山田花子").key()), "shan-tian-hua-zi");
        assert_eq!(slug(&Person::parse("Zoë Müller").key()), "zoe-muller");
    }
}
