//! Who gets the items of an owner in the weekly report (SPEC 13): the owner, unless they
//! left (then the nearest manager in data/people.yaml who is still here) or can get no
//! mail (then `notify.fallback`). `report` groups by it and `notify` sends by it, so what
//! one lists for a person is what the other sends them.

use ahash::HashSet;
use serde::Serialize;

use super::handbook::Handbook;
use crate::diagnostics::Diagnostic;
use crate::model::date::Date;
use crate::model::person::{People, Person, address};
use crate::model::redact::REDACTED;
use crate::model::text;

/// Where the items of one owner go, as of one date.
pub struct Routing<'a> {
    people: &'a People,
    as_of: Date,
    /// `notify.fallback`, when handbook.yaml sets it, or where it names someone who left,
    /// the nearest of their managers still here.
    fallback: Option<Person>,
    /// The fallback handbook.yaml names, when data/people.yaml says they left, and when.
    fallback_left: Option<(Person, Date)>,
}

/// The person who gets an owner's items, and why, when that is not the owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub person: Person,
    pub forwarded: Option<Forwarded>,
}

/// An owner whose items go to someone else.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Forwarded {
    /// The owner as the records and data/people.yaml name them.
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(flatten)]
    pub reason: Reason,
    /// Whether the items go to `notify.fallback`; without one, those it would take go to
    /// nobody.
    #[serde(skip)]
    pub to_fallback: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum Reason {
    /// Left on `left`: the recipient is the nearest manager still here.
    Departed { left: Date },
    /// Left on `left`, and no manager still here has an email address.
    DepartedNoManager { left: Date },
    /// Neither the records nor data/people.yaml give an email address.
    NoEmail,
    /// The email address given is not one mail can be sent to (`check` warns at it).
    UnusableEmail,
    /// Nobody owns the items.
    Unassigned,
    /// The audience may not read who owns the items (`redact: [risk_owner]`).
    Redacted,
}

impl Forwarded {
    /// Why the items come to their recipient, as a sentence.
    pub fn why(&self) -> String {
        let name = text::bidi_closed(&self.name);
        let to = match self.to_fallback {
            true => "go to the fallback address",
            false => "go to nobody, as no `notify.fallback` is there to take them",
        };
        match self.reason {
            Reason::Departed { left } => {
                format!("{name} left on {left}: their items go to the nearest manager still here.")
            }
            Reason::DepartedNoManager { left } => format!(
                "{name} left on {left} and no manager of theirs who is still here has an \
                 email address: their items {to}."
            ),
            Reason::NoEmail => format!(
                "{name} has no email address in the records or data/people.yaml: their items \
                 {to}."
            ),
            Reason::UnusableEmail => format!(
                "{name}'s email `{}` is not an address mail can be sent to: their items {to}.",
                text::bidi_closed(self.email.as_deref().unwrap_or_default())
            ),
            Reason::Unassigned => format!("Items that nobody owns {to}."),
            Reason::Redacted => format!("Items whose owner this audience may not read {to}."),
        }
    }
}

impl<'a> Routing<'a> {
    /// Who left gets no mail (SPEC 13), the fallback no more than an owner: their items
    /// go to the fallback's nearest manager still here, else to nobody.
    pub fn new(people: &'a People, as_of: Date, fallback: Option<Person>) -> Self {
        let mut routing = Routing {
            people,
            as_of,
            fallback: None,
            fallback_left: None,
        };
        let left = (fallback.as_ref()).and_then(|f| Some((f.clone(), people.departed(f, as_of)?)));
        routing.fallback = match left {
            Some((ref named, _)) => {
                Some(routing.recipient(named).person).filter(|p| !p.is_unassigned())
            }
            None => fallback,
        };
        routing.fallback_left = left;
        routing
    }

    /// A warning when the fallback handbook.yaml names left, saying who takes the items
    /// that would go to them: `report` and `notify` give it.
    pub fn fallback_warning(&self) -> Option<Diagnostic> {
        let (named, left) = self.fallback_left.as_ref()?;
        let instead = match &self.fallback {
            Some(manager) => format!("{manager}, the nearest of their managers still here"),
            None => "nobody, as no manager of theirs who is still here has an email".into(),
        };
        Some(
            Diagnostic::warning(format!(
                "notify.fallback in handbook.yaml is {named}, who left on {left} by \
                 data/people.yaml: the items it would get go to {instead}"
            ))
            .with_hint("set `notify.fallback` to an address that stays, a team's shared one"),
        )
    }

    /// The routing of a handbook as of its as-of date, with `notify.fallback` when set: what
    /// `report`, `notify` and the owner pages all follow.
    pub fn of(handbook: &'a Handbook) -> Self {
        let people = &handbook.records.people;
        let fallback = handbook.config.notify.as_ref().map(|n| {
            let written = Person {
                name: (n.fallback.name.clone())
                    .filter(|name| !name.trim().is_empty())
                    .unwrap_or_else(|| n.fallback.email.to_string()),
                email: Some(n.fallback.email.to_string()),
            };
            // An address alone is named as data/people.yaml names it, as a record's is.
            Person {
                name: people.shown_name(&written).to_string(),
                ..written
            }
        });
        Routing::new(people, handbook.as_of, fallback)
    }

    /// Who gets the items `owner` owns. Without a fallback, items that would go to it stay
    /// with their owner when they are known by name, and go to nobody when they left.
    pub fn recipient(&self, owner: &Person) -> Recipient {
        if owner.is_unassigned() {
            return self.fallback_or(owner.clone(), owner, Reason::Unassigned);
        }
        if owner.name == REDACTED && owner.email.is_none() {
            return self.fallback_or(owner.clone(), owner, Reason::Redacted);
        }
        let owner = self.people.known(owner);
        let mut current = owner.clone();
        let mut left = None;
        // A set: a chain of managers who all left may be as long as data/people.yaml.
        let mut seen = HashSet::from_iter([current.key()]);
        while let Some(on) = self.people.departed(&current, self.as_of) {
            let left = *left.get_or_insert(on);
            let manager = self
                .people
                .find(&current)
                .and_then(|e| e.manager.as_deref())
                .map(Person::parse)
                .filter(|m| !m.is_unassigned())
                .map(|m| self.people.known(&m))
                .filter(|m| seen.insert(m.key()));
            let Some(manager) = manager else {
                let nobody = Person::parse("Unassigned");
                return self.fallback_or(nobody, &owner, Reason::DepartedNoManager { left });
            };
            current = manager;
        }
        match (left, reachable(&current)) {
            (None, true) => Recipient {
                person: current,
                forwarded: None,
            },
            (None, false) if current.email.is_some() => {
                self.fallback_or(current, &owner, Reason::UnusableEmail)
            }
            (None, false) => self.fallback_or(current, &owner, Reason::NoEmail),
            (Some(left), true) => Recipient {
                person: current,
                forwarded: Some(forwarded(&owner, Reason::Departed { left }, false)),
            },
            (Some(left), false) => {
                let nobody = Person::parse("Unassigned");
                self.fallback_or(nobody, &owner, Reason::DepartedNoManager { left })
            }
        }
    }

    /// The fallback, for `owner`'s items, when there is one; else `otherwise`, unforwarded
    /// when that is the owner.
    fn fallback_or(&self, otherwise: Person, owner: &Person, reason: Reason) -> Recipient {
        match &self.fallback {
            Some(fallback) => Recipient {
                person: fallback.clone(),
                forwarded: Some(forwarded(owner, reason, true)),
            },
            None if otherwise == *owner => Recipient {
                person: otherwise,
                forwarded: None,
            },
            None => Recipient {
                person: otherwise,
                forwarded: Some(forwarded(owner, reason, false)),
            },
        }
    }
}

/// Whether mail can reach `person`: they have an email [`address`].
fn reachable(person: &Person) -> bool {
    person.email.as_deref().and_then(address).is_some()
}

fn forwarded(owner: &Person, reason: Reason, to_fallback: bool) -> Forwarded {
    Forwarded {
        name: if owner.is_unassigned() {
            "Unassigned".into()
        } else {
            owner.name.clone()
        },
        email: owner.email.clone(),
        reason,
        to_fallback,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::person::PersonEntry;

    fn entry(
        name: &str,
        email: Option<&str>,
        manager: Option<&str>,
        departed: Option<&str>,
    ) -> PersonEntry {
        PersonEntry {
            name: name.into(),
            email: email.map(Into::into),
            title: None,
            side: None,
            level: None,
            team: None,
            manager: manager.map(Into::into),
            departed: departed.and_then(Date::parse),
        }
    }

    fn people() -> People {
        People::new(vec![
            entry("Ann", Some("ann@x.com"), Some("Bea"), Some("2026-01-31")),
            entry(
                "Bea",
                Some("bea@x.com"),
                Some("Cal <cal@x.com>"),
                Some("2026-02-28"),
            ),
            entry("Cal", Some("cal@x.com"), None, None),
            entry("Dan", None, Some("Cal"), None),
            entry("Eve", Some("eve@x.com"), Some("Board"), Some("2026-03-01")),
            entry("Fay", Some("fay@x.com"), Some("Gus"), Some("2026-03-01")),
            entry("Gus", Some("gus@x.com"), Some("Fay"), Some("2026-03-01")),
            entry("Hal", Some("\"hal x\"@x.com"), None, None),
        ])
    }

    fn to(routing: &Routing, owner: &str) -> (String, Option<Reason>) {
        let r = routing.recipient(&Person::parse(owner));
        (r.person.to_string(), r.forwarded.map(|f| f.reason))
    }

    #[test]
    fn departed_owners_go_up_the_managers_else_to_the_fallback() {
        let people = people();
        let as_of = Date::parse("2026-06-30").unwrap();
        let fallback = Some(Person::parse("Security <sec@x.com>"));
        let routing = Routing::new(&people, as_of, fallback);
        let left = |d: &str| Date::parse(d).unwrap();
        assert_eq!(to(&routing, "Cal"), ("Cal <cal@x.com>".into(), None));
        assert_eq!(
            to(&routing, "Ann <ann@x.com>"),
            (
                "Cal <cal@x.com>".into(),
                Some(Reason::Departed {
                    left: left("2026-01-31")
                })
            )
        );
        let no_manager = |on| Some(Reason::DepartedNoManager { left: left(on) });
        assert_eq!(
            to(&routing, "Eve"),
            ("Security <sec@x.com>".into(), no_manager("2026-03-01"))
        );
        // Managers of each other who both left.
        assert_eq!(
            to(&routing, "Fay"),
            ("Security <sec@x.com>".into(), no_manager("2026-03-01"))
        );
        assert_eq!(
            to(&routing, "Dan"),
            ("Security <sec@x.com>".into(), Some(Reason::NoEmail))
        );
        assert_eq!(
            to(&routing, "unassigned"),
            ("Security <sec@x.com>".into(), Some(Reason::Unassigned))
        );
        // An email mail cannot be sent to is as good as none; a record's that is no address
        // gives way to data/people.yaml's.
        assert_eq!(
            to(&routing, "Hal"),
            ("Security <sec@x.com>".into(), Some(Reason::UnusableEmail))
        );
        assert_eq!(
            to(&routing, "Cal <cal at x.com>"),
            ("Cal <cal@x.com>".into(), None)
        );

        // Before Ann left, her items are hers.
        let routing = Routing::new(&people, left("2026-01-30"), None);
        assert_eq!(to(&routing, "Ann"), ("Ann <ann@x.com>".into(), None));
    }

    /// A fallback who left gets no mail either: the nearest of their managers still here
    /// takes what would go to them, else nobody, and a warning says which.
    #[test]
    fn a_fallback_who_left_gives_way_to_their_manager() {
        let people = people();
        let as_of = Date::parse("2026-06-30").unwrap();
        let routing = Routing::new(&people, as_of, Some(Person::parse("Ann <ann@x.com>")));
        assert_eq!(
            to(&routing, "Dan"),
            ("Cal <cal@x.com>".into(), Some(Reason::NoEmail))
        );
        let warning = routing.fallback_warning().unwrap().message;
        assert!(warning.contains("who left on 2026-01-31"), "{warning}");
        assert!(warning.contains("go to Cal <cal@x.com>"), "{warning}");

        let routing = Routing::new(&people, as_of, Some(Person::parse("Eve <eve@x.com>")));
        let r = routing.recipient(&Person::parse("Dan"));
        assert_eq!(r.person.to_string(), "Dan");
        assert!(r.forwarded.is_none());
        let warning = routing.fallback_warning().unwrap().message;
        assert!(warning.contains("go to nobody"), "{warning}");
        let fay = routing.recipient(&Person::parse("Fay")).forwarded.unwrap();
        assert!(
            fay.why()
                .ends_with("go to nobody, as no `notify.fallback` is there to take them.")
        );

        // Before she left, she is the fallback, and nothing is told.
        let before = Date::parse("2026-01-30").unwrap();
        let routing = Routing::new(&people, before, Some(Person::parse("Ann <ann@x.com>")));
        assert_eq!(to(&routing, "Dan").0, "Ann <ann@x.com>");
        assert!(routing.fallback_warning().is_none());
    }

    #[test]
    fn without_a_fallback_items_stay_with_their_owner_or_go_to_nobody() {
        let people = people();
        let routing = Routing::new(&people, Date::parse("2026-06-30").unwrap(), None);
        assert_eq!(to(&routing, "Dan"), ("Dan".into(), None));
        assert_eq!(to(&routing, "Unassigned"), ("Unassigned".into(), None));
        let (who, why) = to(&routing, "Eve");
        assert_eq!(who, "Unassigned");
        assert!(matches!(why, Some(Reason::DepartedNoManager { .. })));
        assert_eq!(to(&routing, "Bea").0, "Cal <cal@x.com>");
        // The reason given does not send them to a fallback there is not.
        let eve = routing.recipient(&Person::parse("Eve")).forwarded.unwrap();
        assert_eq!(
            eve.why(),
            "Eve left on 2026-03-01 and no manager of theirs who is still here has an email \
             address: their items go to nobody, as no `notify.fallback` is there to take them."
        );
        let fallback = Some(Person::parse("Security <sec@x.com>"));
        let routing = Routing::new(&people, Date::parse("2026-06-30").unwrap(), fallback);
        let eve = routing.recipient(&Person::parse("Eve")).forwarded.unwrap();
        assert!(
            eve.why()
                .ends_with("their items go to the fallback address.")
        );
    }
}
