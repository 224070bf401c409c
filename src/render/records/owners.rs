//! owners/: a page per risk owner, with what needs their action first; an owner of more
//! rows than a registry page holds gets pages as a registry does (`owners/<slug>/page/2/`).

use std::collections::BTreeSet;
use std::ops::Range;

use rayon::prelude::*;
use serde::Serialize;

use super::exceptions::ExceptionRow;
use super::incidents::{self, ActionItemRow};
use super::registry::{self, Pager};
use super::{Facts, PageMeta, PersonView, SectionIntro, base_context, render_each, render_page};
use crate::derive::handbook::Handbook;
use crate::derive::recipients::{Reason, Recipient, Routing};
use crate::diagnostics::Diagnostic;
use crate::model::date::Date;
use crate::model::links;
use crate::model::person::{self, People, Person};
use crate::model::vocab::ExceptionState;
use crate::render::{Fingerprint, Output, Renderer, value};
use crate::write::output;

const URL: &str = "owners/";
const TITLE: &str = "Owners";

/// The people with an owner page: every risk owner and every action item owner, so a
/// column of owners is linked on every row. Grouped by the [`Person::key`] of the person
/// data/people.yaml knows them as ([`People::known`]), as `report` groups them; each has a
/// unique slug.
pub struct Owners<'a> {
    people: &'a People,
    /// By name, then key.
    list: Vec<Owner<'a>>,
    by_key: ahash::HashMap<String, usize>,
    /// Each text the records write a person as, to their place in the list: most lookups
    /// find them so, without making their key.
    by_text: ahash::HashMap<&'a str, usize>,
    /// Each owner's page, from the site root, in the list's order: every row and record
    /// page names owners, so each link is made once.
    hrefs: Vec<String>,
    /// See [`Owners::hrefs_key`].
    hrefs_key: u64,
}

struct Owner<'a> {
    slug: String,
    /// As the first record (in id order) names them.
    person: &'a Person,
    /// Their name as shown: see [`People::shown_name`].
    name: &'a str,
    /// Exceptions they own, in id order.
    exceptions: Vec<usize>,
    /// Their action items that are not done: (incident, item), in incident id order.
    action_items: Vec<(usize, usize)>,
    /// When they left (data/people.yaml), and who gets their items, as `report` and
    /// `notify` send them.
    departed: Option<(Date, Recipient)>,
    /// The owners (places in the list) who left and whose items come to this one.
    inherited: Vec<usize>,
}

impl<'a> Owner<'a> {
    fn new(person: &'a Person, name: &'a str) -> Self {
        Owner {
            slug: String::new(),
            person,
            name,
            exceptions: Vec::new(),
            action_items: Vec::new(),
            departed: None,
            inherited: Vec::new(),
        }
    }
}

impl<'a> Owners<'a> {
    pub fn new(hb: &'a Handbook) -> Self {
        let people = &hb.records.people;
        let mut groups = Grouping {
            people,
            owners: Vec::new(),
            by_key: Default::default(),
            by_text: Default::default(),
        };
        for (i, e) in hb.records.exceptions.iter().enumerate() {
            groups.of(&e.record.risk_owner).exceptions.push(i);
        }
        for (n, i) in hb.records.incidents.iter().enumerate() {
            for (k, item) in i.record.action_items.iter().enumerate() {
                let owner = groups.of(&item.owner);
                if !item.status.is_done() {
                    owner.action_items.push((n, k));
                }
            }
        }
        let Grouping {
            owners: mut list,
            by_text,
            ..
        } = groups;
        let first_keys: Vec<String> = list.iter().map(|(key, _)| key.clone()).collect();
        // Slugs in key order, so which of two clashing owners gets the suffix is stable.
        // A slug is derived, not chosen, so a long one is made to fit rather than refused.
        list.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
        let mut taken = BTreeSet::new();
        // The next suffix to try for each slug: thousands of owners whose names make one
        // slug would each try every suffix taken before theirs.
        let mut next: ahash::HashMap<String, usize> = ahash::HashMap::default();
        let mut hrefs_key = Fingerprint::default();
        for (key, owner) in &mut list {
            let base = output::fit_name(&person::slug(key));
            let mut slug = base.clone();
            let n = next.entry(base.clone()).or_insert(2);
            while !taken.insert(slug.clone()) {
                slug = format!("{base}-{n}");
                *n += 1;
            }
            hrefs_key.add(key).add(&slug);
            owner.slug = slug;
        }
        list.sort_by_cached_key(|(key, o)| (o.name.to_lowercase(), key.clone()));
        let by_key: ahash::HashMap<String, usize> = list
            .iter()
            .enumerate()
            .map(|(i, (key, _))| (key.clone(), i))
            .collect();
        let by_text = (by_text.into_iter())
            .map(|(text, first)| (text, by_key[&first_keys[first]]))
            .collect();
        let mut list: Vec<Owner> = list.into_iter().map(|(_, o)| o).collect();
        let routing = Routing::of(hb);
        for i in 0..list.len() {
            let person = list[i].person;
            let Some(left) = hb.records.people.departed(person, hb.as_of) else {
                continue;
            };
            let to = routing.recipient(person);
            if let Some(&j) = by_key.get(&to.person.key())
                && j != i
                && !to.person.is_unassigned()
            {
                list[j].inherited.push(i);
            }
            list[i].departed = Some((left, to));
        }
        let hrefs = list
            .iter()
            .map(|o| format!("{URL}{}/index.html", o.slug))
            .collect();
        Owners {
            people,
            list,
            by_key,
            by_text,
            hrefs,
            hrefs_key: hrefs_key.finish(),
        }
    }

    /// A hash of which people have an owner page, and where: all that [`Owners::href`]
    /// reads, which the records of both kinds decide.
    pub fn hrefs_key(&self) -> u64 {
        self.hrefs_key
    }

    /// The owner page of `person`, from the site root, when they have one.
    pub fn href(&self, person: &Person) -> Option<String> {
        let i = match self.by_text.get(person.written_key()) {
            Some(&i) => i,
            None => *self.by_key.get(&self.people.known(person).key())?,
        };
        Some(self.hrefs[i].clone())
    }
}

/// The owners as the records name them, one per key of [`Owners`], each key made once per
/// text as written: a large register names a few people 25,000 times, and making the key
/// at each mention took most of [`Owners::new`]'s time, at every rebuild.
struct Grouping<'a> {
    people: &'a People,
    /// Each with its key, in the order first named.
    owners: Vec<(String, Owner<'a>)>,
    by_key: ahash::HashMap<String, usize>,
    by_text: ahash::HashMap<&'a str, usize>,
}

impl<'a> Grouping<'a> {
    /// The owner `person` names, added when first named.
    fn of(&mut self, person: &'a Person) -> &mut Owner<'a> {
        let Grouping {
            people,
            owners,
            by_key,
            by_text,
        } = self;
        let at = *by_text.entry(person.written_key()).or_insert_with(|| {
            *by_key
                .entry(people.known(person).key())
                .or_insert_with_key(|key| {
                    owners.push((key.clone(), Owner::new(person, people.shown_name(person))));
                    owners.len() - 1
                })
        });
        &mut owners[at].1
    }
}

/// What needs an owner's action, as of the as-of date.
#[derive(Serialize)]
struct NeedsAction<'a> {
    expired: Vec<&'a ExceptionRow<'a>>,
    expiring: Vec<&'a ExceptionRow<'a>>,
    pending: Vec<&'a ExceptionRow<'a>>,
    overdue_items: Vec<ActionItemRow<'a>>,
    /// When the owner left: who gets their items, and every open one, which needs a new
    /// owner. The lists above are then empty, as the owner can act on nothing.
    handed_to: Option<HandedTo>,
    reassign: Option<Reassign<'a>>,
    /// The items of owners who left, which come to this one to reassign.
    inherited: Vec<Reassign<'a>>,
    total: usize,
}

impl<'a> NeedsAction<'a> {
    /// The owner's own exceptions among these: those a page in parts does not repeat.
    fn own_exceptions(&self) -> impl Iterator<Item = &&'a ExceptionRow<'a>> {
        let reassign = self.reassign.iter().flat_map(|r| &r.exceptions);
        self.expired
            .iter()
            .chain(&self.expiring)
            .chain(&self.pending)
            .chain(reassign)
    }

    /// The rows on the page `window` reads, in the order the page shows them.
    fn page(&self, window: &mut Window) -> NeedsAction<'a> {
        let reassign = self.reassign.as_ref().map(|r| r.page(window));
        let expired = window.take(&self.expired);
        let expiring = window.take(&self.expiring);
        let pending = window.take(&self.pending);
        let overdue_items = window.take(&self.overdue_items);
        let inherited = self.inherited.iter().map(|r| r.page(window)).collect();
        NeedsAction {
            expired,
            expiring,
            pending,
            overdue_items,
            handed_to: self.handed_to.clone(),
            reassign,
            inherited,
            total: self.total,
        }
    }
}

/// Who gets the items of an owner who left, as the weekly report sends them.
#[derive(Clone, Serialize)]
struct HandedTo {
    left: Date,
    /// `manager`: the nearest manager still here; `fallback`: `notify.fallback`;
    /// `nobody`: neither.
    by: &'static str,
    name: String,
    email: Option<String>,
    /// Their owner page, from the site root.
    href: Option<String>,
}

/// The open items of an owner who left, to give to a new owner.
#[derive(Serialize)]
struct Reassign<'a> {
    /// The owner who left.
    name: &'a str,
    href: Option<String>,
    left: Date,
    exceptions: Vec<&'a ExceptionRow<'a>>,
    items: Vec<ActionItemRow<'a>>,
    /// Every one of them, whichever page of the owner's lists it.
    count: usize,
}

impl<'a> Reassign<'a> {
    fn page(&self, window: &mut Window) -> Reassign<'a> {
        Reassign {
            name: self.name,
            href: self.href.clone(),
            left: self.left,
            exceptions: window.take(&self.exceptions),
            items: window.take(&self.items),
            count: self.count,
        }
    }
}

/// Every open exception and open action item of `owner`, who left on `left`.
fn reassign<'a>(facts: &'a Facts<'_>, owner: &'a Owner<'a>, left: Date) -> Reassign<'a> {
    let states = &facts.hb.exception_states;
    let mut exceptions: Vec<&ExceptionRow> = owner
        .exceptions
        .iter()
        .filter(|&&i| states[i].is_open())
        .map(|&i| &facts.exception_rows()[i])
        .collect();
    exceptions.sort_by_key(|r| r.state_rank);
    let mut items = action_items(facts, owner);
    incidents::sort_action_items(&mut items);
    Reassign {
        name: owner.name,
        href: facts.owners.href(owner.person),
        left,
        count: exceptions.len() + items.len(),
        exceptions,
        items,
    }
}

fn handed_to(facts: &Facts, left: Date, to: &Recipient) -> HandedTo {
    let by = match to.forwarded.as_ref().map(|f| f.reason) {
        _ if to.person.is_unassigned() => "nobody",
        Some(Reason::Departed { .. }) => "manager",
        _ => "fallback",
    };
    HandedTo {
        left,
        by,
        name: to.person.name.clone(),
        email: to.person.email.clone(),
        href: facts.owners.href(&to.person),
    }
}

#[derive(Serialize)]
struct OwnerSummary<'a> {
    person: PersonView<'a>,
    exceptions: usize,
    open: usize,
    expired: usize,
    expiring: usize,
    pending: usize,
    overdue_items: usize,
    open_items: usize,
    needs_action: usize,
    /// Who acts for an owner who left.
    handed_to: Option<HandedTo>,
}

#[derive(Serialize)]
struct OwnersView<'v, 'a> {
    /// This page's: all of them, or a page of them past a hundred.
    owners: &'v [OwnerSummary<'a>],
    pager: Option<Pager>,
    intro: Option<SectionIntro<'a>>,
}

#[derive(Serialize)]
struct OwnerView<'a> {
    person: PersonView<'a>,
    /// Owns exceptions, rather than only action items.
    is_risk_owner: bool,
    team: Option<&'a str>,
    needs_action: NeedsAction<'a>,
    /// Whether this page shows what needs action: the whole of it, or some of its rows;
    /// the first page always does. The owner's other pages link to it.
    needs_action_here: bool,
    exceptions: Vec<&'a ExceptionRow<'a>>,
    /// Open action items that are not overdue.
    other_items: Vec<ActionItemRow<'a>>,
    /// The one page lists every exception again under "Exceptions owned", after what
    /// needs action. A page of a longer list does not, so each row is on one page.
    whole: bool,
    /// The owner's exceptions listed under what needs action and not again below.
    listed_above: usize,
    /// The owner's first page, from the site root.
    first: String,
    pager: Option<Pager>,
}

/// Every row of an owner's page, in the order it shows them, made once for all its pages.
/// The exceptions' rows are those of [`Facts::exception_rows`], borrowed: an owner's pages
/// list every exception they own, and `serve` makes these again at each record edit.
struct OwnerRows<'a> {
    needs_action: NeedsAction<'a>,
    /// Of every open action item, how many are overdue, whoever's list they are on.
    overdue_items: usize,
    exceptions: Vec<&'a ExceptionRow<'a>>,
    other_items: Vec<ActionItemRow<'a>>,
    /// Each page's rows, counted through the lists in order; one page when they fit.
    pages: Vec<Range<usize>>,
    whole: bool,
    listed_above: usize,
}

impl<'a> OwnerRows<'a> {
    /// When every list fits one page, it shows them as they are. Else the exceptions
    /// owned leave out those listed under what needs action, and the lists, read in
    /// order, are split into pages as a registry is: what needs action comes first.
    fn new(facts: &'a Facts<'_>, owner: &'a Owner<'a>) -> Self {
        let (mut overdue_items, mut other_items): (Vec<_>, Vec<_>) = action_items(facts, owner)
            .into_iter()
            .partition(|r| r.overdue);
        let overdue_count = overdue_items.len();
        incidents::sort_action_items(&mut overdue_items);
        incidents::sort_action_items(&mut other_items);
        let needs_action = needs_action(facts, owner, overdue_items);
        let mut exceptions: Vec<&ExceptionRow> = owner
            .exceptions
            .iter()
            .map(|&i| &facts.exception_rows()[i])
            .collect();
        exceptions.sort_by_key(|r| r.state_rank);
        let rows = |exceptions: &[&ExceptionRow]| {
            needs_action.total + exceptions.len() + other_items.len()
        };
        let mut pages = registry::pages(&[rows(&exceptions)]);
        let whole = pages.len() == 1;
        let mut listed_above = 0;
        if !whole {
            let listed: BTreeSet<&str> = needs_action.own_exceptions().map(|r| r.id).collect();
            let before = exceptions.len();
            exceptions.retain(|r| !listed.contains(r.id));
            listed_above = before - exceptions.len();
            pages = registry::pages(&[rows(&exceptions)]);
        }
        OwnerRows {
            needs_action,
            overdue_items: overdue_count,
            exceptions,
            other_items,
            pages,
            whole,
            listed_above,
        }
    }
}

/// The rows of a list that fall on one page, the lists read in the order the page
/// shows them.
struct Window<'k> {
    page: Range<usize>,
    /// Rows of the lists read so far.
    read: usize,
    /// Rows of the lists read so far that are on the page.
    shown: usize,
    /// When the page is fingerprinted: no row is taken, and what each row on the page is
    /// made from is added to the fingerprint.
    /// With the keys of the exceptions' rows ([`Facts::exception_row_keys`]).
    key: Option<(&'k [u64], &'k mut Fingerprint)>,
}

impl<'k> Window<'k> {
    fn new(page: Range<usize>, key: Option<(&'k [u64], &'k mut Fingerprint)>) -> Self {
        Window {
            page,
            read: 0,
            shown: 0,
            key,
        }
    }

    /// The rows of the next list, `rows`, that are on the page.
    fn take<T: ShownRow>(&mut self, rows: &[T]) -> Vec<T> {
        let start = self.read;
        self.read += rows.len();
        let from = self.page.start.clamp(start, self.read) - start;
        let to = self.page.end.clamp(start, self.read) - start;
        self.shown += to - from;
        match &mut self.key {
            Some((keys, key)) => {
                key.add(&rows.len());
                for row in &rows[from..to] {
                    row.made_from(keys, key);
                }
                Vec::new()
            }
            None => rows[from..to].to_vec(),
        }
    }
}

/// A row of an owner's page, and what it is made from besides
/// [`Facts::records_shape`] (the configuration, the as-of date, data/people.yaml).
trait ShownRow: Clone {
    /// `keys` are those of the exceptions' rows.
    fn made_from(&self, keys: &[u64], key: &mut Fingerprint);
}

/// An exception's row: its key, worked out once for every page that shows it.
impl ShownRow for &ExceptionRow<'_> {
    fn made_from(&self, keys: &[u64], key: &mut Fingerprint) {
        key.add(&keys[self.index]);
    }
}

/// An action item's row, few beside the exceptions: the row itself.
impl ShownRow for ActionItemRow<'_> {
    fn made_from(&self, _: &[u64], key: &mut Fingerprint) {
        key.add(self);
    }
}

/// What needs the action of `owner`, whose `overdue_items` are given in order.
fn needs_action<'a>(
    facts: &'a Facts<'_>,
    owner: &'a Owner<'a>,
    overdue_items: Vec<ActionItemRow<'a>>,
) -> NeedsAction<'a> {
    let states = &facts.hb.exception_states;
    let pick = |state: ExceptionState| -> Vec<&'a ExceptionRow<'a>> {
        let mut rows: Vec<&ExceptionRow> = owner
            .exceptions
            .iter()
            .filter(|&&i| states[i] == state)
            .map(|&i| &facts.exception_rows()[i])
            .collect();
        if state == ExceptionState::Pending {
            rows.sort_by_key(|r| r.created);
        } else {
            rows.sort_by_key(|r| r.expires);
        }
        rows
    };
    let inherited: Vec<Reassign> = owner
        .inherited
        .iter()
        .filter_map(|&i| {
            let from = &facts.owners.list[i];
            from.departed
                .as_ref()
                .map(|(left, _)| reassign(facts, from, *left))
        })
        .filter(|r| r.count > 0)
        .collect();
    let passed_on: usize = inherited.iter().map(|r| r.count).sum();
    if let Some((left, to)) = &owner.departed {
        let reassign = reassign(facts, owner, *left);
        return NeedsAction {
            expired: Vec::new(),
            expiring: Vec::new(),
            pending: Vec::new(),
            overdue_items: Vec::new(),
            handed_to: Some(handed_to(facts, *left, to)),
            total: reassign.count + passed_on,
            reassign: Some(reassign),
            inherited,
        };
    }
    let expired = pick(ExceptionState::Expired);
    let expiring = pick(ExceptionState::Expiring);
    let pending = pick(ExceptionState::Pending);
    let total = expired.len() + expiring.len() + pending.len() + overdue_items.len() + passed_on;
    NeedsAction {
        expired,
        expiring,
        pending,
        overdue_items,
        handed_to: None,
        reassign: None,
        inherited,
        total,
    }
}

fn action_items<'a>(facts: &Facts<'a>, owner: &Owner) -> Vec<ActionItemRow<'a>> {
    owner
        .action_items
        .iter()
        .map(|&(n, k)| {
            let incident = &facts.hb.records.incidents[n].record;
            incidents::action_item_row(facts, incident, &incident.action_items[k])
        })
        .collect()
}

pub fn render<'f>(facts: &'f Facts, renderer: &Renderer, out: &Output) -> Vec<Diagnostic> {
    let owners = &facts.owners.list;
    let rows: Vec<OwnerRows<'f>> = owners
        .par_iter()
        .map(|o| OwnerRows::new(facts, o))
        .collect();
    let mut diags = render_index(facts, renderer, out, &rows);
    let pages: Vec<(usize, usize)> = rows
        .iter()
        .enumerate()
        .flat_map(|(i, r)| (0..r.pages.len()).map(move |p| (i, p)))
        .collect();
    diags.extend(render_each(&pages, |&(i, p)| {
        render_owner(facts, renderer, out, &owners[i], &rows[i], p)
    }));
    diags
}

/// owners/: every owner and what needs their action, in pages of a hundred past that
/// (`owners/page/2/`), as the registries are.
fn render_index(
    facts: &Facts,
    renderer: &Renderer,
    out: &Output,
    rows: &[OwnerRows],
) -> Vec<Diagnostic> {
    let states = &facts.hb.exception_states;
    let owners: Vec<OwnerSummary> = facts
        .owners
        .list
        .iter()
        .zip(rows)
        .map(|(o, rows)| {
            let count =
                |s: ExceptionState| o.exceptions.iter().filter(|&&i| states[i] == s).count();
            let needs = &rows.needs_action;
            OwnerSummary {
                person: facts.person(o.person),
                exceptions: o.exceptions.len(),
                open: o
                    .exceptions
                    .iter()
                    .filter(|&&i| states[i].is_open())
                    .count(),
                expired: count(ExceptionState::Expired),
                expiring: count(ExceptionState::Expiring),
                pending: count(ExceptionState::Pending),
                overdue_items: rows.overdue_items,
                open_items: o.action_items.len(),
                needs_action: needs.total,
                handed_to: needs.handed_to.clone(),
            }
        })
        .collect();
    registry::render_list(
        facts,
        renderer,
        out,
        (URL, TITLE),
        ("owners.html", "owners"),
        owners.len(),
        |range, pager, first| OwnersView {
            owners: &owners[range],
            pager,
            intro: first.then(|| facts.intro(URL)).flatten(),
        },
    )
}

/// Page `page` (from 0) of an owner's: `owners/<slug>/`, then `owners/<slug>/page/2/`.
fn render_owner<'a, 'h>(
    facts: &'a Facts<'h>,
    renderer: &Renderer,
    out: &Output,
    owner: &'a Owner<'h>,
    rows: &OwnerRows<'a>,
    page: usize,
) -> Option<Diagnostic> {
    let folder = format!("{URL}{}/", owner.slug);
    let pages = rows.pages.len();
    let name = if owner.person.is_unassigned() {
        "Unassigned"
    } else {
        owner.name
    };
    let meta = PageMeta {
        title: registry::page_title(name.to_string(), page, pages),
        url: registry::page_url(&folder, None, page),
        description: None,
    };
    let crumbs = facts.crumbs(Some((URL, TITLE)));
    let mut ctx = base_context(&meta, crumbs, None, None);
    // Keyed by the page without its rows, and by what the rows it shows are made from:
    // hashing every row of a large register's 20,000 at each rebuild cost more than
    // making the one page an edit changes.
    let reads = |inputs: &mut Fingerprint| {
        let mut shown = Fingerprint::default();
        let view = owner_view(facts, owner, rows, page, &folder, Some(&mut shown));
        inputs
            .add(&facts.records_shape())
            .add(&view)
            .add(&shown.finish());
    };
    let make = || value(&owner_view(facts, owner, rows, page, &folder, None));
    ctx.insert_with("owner", reads, make);
    render_page(renderer, out, "owner.html", ctx, &meta.url)
}

/// The view of an owner's page `page`; with `key`, its rows are left out and what they are
/// made from is added to `key` instead.
fn owner_view<'a, 'h>(
    facts: &'a Facts<'h>,
    owner: &'a Owner<'h>,
    rows: &OwnerRows<'a>,
    page: usize,
    folder: &str,
    key: Option<&mut Fingerprint>,
) -> OwnerView<'a> {
    let mut window = Window::new(
        rows.pages[page].clone(),
        key.map(|k| (facts.exception_row_keys(), k)),
    );
    let needs_action = rows.needs_action.page(&mut window);
    let needs_action_here = page == 0 || window.shown > 0;
    let exceptions = window.take(&rows.exceptions);
    let other_items = window.take(&rows.other_items);
    let url = |p: usize| registry::page_url(folder, None, p);
    OwnerView {
        person: facts.person(owner.person),
        is_risk_owner: !owner.exceptions.is_empty(),
        team: facts
            .hb
            .records
            .people
            .find(owner.person)
            .and_then(|e| e.team.as_deref()),
        needs_action,
        needs_action_here,
        exceptions,
        other_items,
        whole: rows.whole,
        listed_above: rows.listed_above,
        first: links::page_href(folder),
        pager: (rows.pages.len() > 1).then(|| registry::pager(&rows.pages, page, url)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::records::tests::handbook_of;

    /// Mentions of a person written differently (letter case, spaces, another name beside
    /// the same email) are one owner, named as first written; an owner named only by an
    /// item that is done still gets a page, with no item on it.
    #[test]
    fn an_owner_is_every_mention_with_their_key() {
        let exception = |id: &str, owner: &str| {
            format!(
                "id: {id}\ntitle: t\ntype: acceptance\nseverity: high\nstatus: pending\nrequested_by: A\nrisk_owner: \"{owner}\"\ncreated: 2026-01-01\nsummary: s\njustification: j\n"
            )
        };
        let incident = "id: I-1\ntitle: t\nseverity: sev2\nstatus: resolved\ncommander: C\nsource: s\nsummary: s\nreported: 2026-05-01T06:00:00+00:00\nresolved: 2026-05-02T06:00:00+00:00\naction_items:\n  - {title: a, owner: \" bo \", priority: P2, status: completed, due: 2026-07-01}\n  - {title: b, owner: Cy, priority: P2, status: planned, due: 2026-07-01}\n  - {title: c, owner: \"Ann <ANN@x.com>\", priority: P2, status: planned, due: 2026-07-01}\n";
        let hb = handbook_of(
            [
                exception("E-1", "Ann Lee <Ann@x.com>"),
                exception("E-2", "Bo"),
                exception("E-3", "A. Lee < ann@X.COM >"),
            ],
            [incident.to_string()],
        );
        let owners = Owners::new(&hb);
        let seen: Vec<_> = (owners.list.iter())
            .map(|o| {
                (
                    o.person.name.as_str(),
                    o.slug.as_str(),
                    &o.exceptions,
                    &o.action_items,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("Ann Lee", "ann@x.com", &vec![0, 2], &vec![(0, 2)]),
                ("Bo", "bo", &vec![1], &vec![]),
                ("Cy", "cy", &vec![], &vec![(0, 1)]),
            ]
        );
        let href = |text: &str| owners.href(&serde_yaml::from_str(text).unwrap());
        let ann = Some("owners/ann@x.com/index.html");
        assert_eq!(
            href("\"A. Lee < ann@X.COM >\"").as_deref(),
            ann,
            "as written"
        );
        assert_eq!(href("\"Ann <ANN@X.com>\"").as_deref(), ann, "by the key");
        assert_eq!(href("\"BO\"").as_deref(), Some("owners/bo/index.html"));
        assert_eq!(href("\"Dee\""), None);
    }
}
