//! The registries (exceptions/, incidents/): the same table once per ordering, each in a
//! folder of its own, so it sorts without JavaScript.
//!
//! Every ordering shows the same rows, so each row becomes a template value once and the
//! orderings share them: for a large register, converting rows was most of the work.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use rayon::prelude::*;
use serde::Serialize;

use super::{CountView, Facts, PageMeta, SectionIntro, base_context, render_each, render_page};
use crate::diagnostics::Diagnostic;
use crate::render::{Fingerprint, Output, Renderer, value};

/// An ordering of a registry: the default one (`folder` is `None`) at the register's own
/// folder, the others below it.
pub(super) struct Order {
    pub key: &'static str,
    pub label: &'static str,
    pub folder: Option<&'static str>,
    pub descending: bool,
}

/// A row of a registry table.
pub(super) trait Row: Serialize + Sync {
    /// Sorts `positions`, indices into `rows` (which are in id order), for the ordering
    /// by `key`. Sorts are stable, so ties stay in id order.
    fn sort(rows: &[Self], positions: &mut [usize], key: &str)
    where
        Self: Sized;

    /// The group of the row in the ordering by `key`, when that ordering groups rows: the
    /// first row of each group carries it as an anchor, for counts to link to.
    fn group(&self, key: &str) -> Option<String>;
}

/// One register's registry: its place, its orderings, and its rows in id order.
pub(super) struct Registry<'a, R> {
    pub url: &'static str,
    pub title: &'static str,
    pub template: &'static str,
    pub orders: &'static [Order],
    pub rows: Vec<R>,
    pub open: usize,
    pub counts: Vec<CountView>,
    pub facts: &'a Facts<'a>,
}

/// A link to one ordering of a register.
#[derive(Serialize)]
struct SortLink {
    key: &'static str,
    label: &'static str,
    href: String,
    current: bool,
}

/// What a registry template sees as `registry`; `rows` is added as values made already.
#[derive(Serialize)]
struct RegistryView<'a> {
    total: usize,
    open: usize,
    counts: &'a [CountView],
    sorts: Vec<SortLink>,
    /// Each ordering's page by its key, for the column headers.
    hrefs: BTreeMap<&'static str, String>,
    sorted_by: &'static str,
    /// `aria-sort` of the sorted column.
    direction: &'static str,
    sort_label: &'static str,
    intro: Option<SectionIntro<'a>>,
}

impl<R: Row> Registry<'_, R> {
    fn order_url(&self, order: &Order) -> String {
        match order.folder {
            Some(f) => format!("{}{f}/", self.url),
            None => self.url.to_string(),
        }
    }

    /// Renders the page of every ordering into `out`. The rows become template values
    /// only if some page is rendered rather than taken from an earlier build.
    pub fn render(&self, renderer: &Renderer, out: &Output) -> Vec<Diagnostic> {
        let shared = Shared::default();
        render_each(self.orders, |order| {
            self.render_order(renderer, out, &shared, order)
        })
    }

    fn render_order(
        &self,
        renderer: &Renderer,
        out: &Output,
        shared: &Shared,
        order: &Order,
    ) -> Option<Diagnostic> {
        let facts = self.facts;
        let url = self.order_url(order);
        let is_default = order.folder.is_none();
        let view = RegistryView {
            total: self.rows.len(),
            open: self.open,
            counts: &self.counts,
            sorts: self
                .orders
                .iter()
                .map(|o| SortLink {
                    key: o.key,
                    label: o.label,
                    href: format!("{}index.html", self.order_url(o)),
                    current: o.key == order.key,
                })
                .collect(),
            hrefs: self
                .orders
                .iter()
                .map(|o| (o.key, format!("{}index.html", self.order_url(o))))
                .collect(),
            sorted_by: order.key,
            direction: if order.descending {
                "descending"
            } else {
                "ascending"
            },
            sort_label: order.label,
            intro: if is_default {
                facts.intro(self.url)
            } else {
                None
            },
        };
        let title = facts.register_title(self.url, self.title);
        let page = PageMeta {
            title: if is_default {
                title
            } else {
                format!("{title} by {}", order.label)
            },
            url: url.clone(),
            description: None,
        };
        let (crumbs, (prev, next)) = if is_default {
            (facts.crumbs(None), facts.neighbours(self.url))
        } else {
            (facts.crumbs(Some((self.url, self.title))), (None, None))
        };
        let mut ctx = base_context(&page, crumbs, prev, next);
        let view = &view;
        let made_from = move |fingerprint: &mut Fingerprint| {
            let rows = shared
                .fingerprint
                .get_or_init(|| Fingerprint::default().add(&self.rows).finish());
            fingerprint.add(view).add(rows).add(order.key);
        };
        ctx.insert_with("registry", made_from, move || {
            let values = shared
                .values
                .get_or_init(|| self.rows.par_iter().map(value).collect());
            let rows: Vec<tera::Value> = ordered(&self.rows, order.key)
                .into_iter()
                .map(|(i, anchor)| match anchor {
                    Some(anchor) => with_field(values[i].clone(), "anchor", anchor.into()),
                    None => values[i].clone(),
                })
                .collect();
            with_field(value(view), "rows", tera::Value::from(rows))
        });
        render_page(renderer, out, self.template, ctx, &url)
    }
}

/// What every ordering shares, each made once when first needed: the rows as template
/// values, and their fingerprint.
#[derive(Default)]
struct Shared {
    values: OnceLock<Vec<tera::Value>>,
    fingerprint: OnceLock<u64>,
}

/// The rows in the ordering by `key`, as positions into `rows`, each with the anchor of
/// the group it opens, if any.
pub(super) fn ordered<R: Row>(rows: &[R], key: &str) -> Vec<(usize, Option<String>)> {
    let mut positions: Vec<usize> = (0..rows.len()).collect();
    R::sort(rows, &mut positions, key);
    let mut last = None;
    positions
        .into_iter()
        .map(|i| {
            let group = rows[i].group(key);
            let opens = group.is_some() && group != last;
            last.clone_from(&group);
            (i, group.filter(|_| opens))
        })
        .collect()
}

/// The map `map` with `key` set to `field`; the other fields are shared, not copied.
fn with_field(map: tera::Value, key: &'static str, field: tera::Value) -> tera::Value {
    let mut map = map.into_map().unwrap_or_default();
    map.insert(key.into(), field);
    tera::Value::from(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Plain(&'static str, u8);

    impl Row for Plain {
        fn sort(rows: &[Self], positions: &mut [usize], key: &str) {
            if key == "rank" {
                positions.sort_by_key(|&i| rows[i].1);
            }
        }

        fn group(&self, key: &str) -> Option<String> {
            (key == "rank").then(|| format!("rank-{}", self.1))
        }
    }

    #[test]
    fn orderings_are_stable_and_anchor_the_first_row_of_each_group() {
        let rows = [Plain("a", 2), Plain("b", 1), Plain("c", 2), Plain("d", 1)];
        let by_rank = ordered(&rows, "rank");
        let ids: Vec<(&str, Option<&str>)> = by_rank
            .iter()
            .map(|(i, a)| (rows[*i].0, a.as_deref()))
            .collect();
        assert_eq!(
            ids,
            [
                ("b", Some("rank-1")),
                ("d", None),
                ("a", Some("rank-2")),
                ("c", None)
            ]
        );
        let by_id: Vec<(usize, Option<String>)> = ordered(&rows, "id");
        assert_eq!(by_id, [(0, None), (1, None), (2, None), (3, None)]);
    }

    #[test]
    fn a_shared_row_gains_a_field_without_changing_the_original() {
        let original = value(&serde_json::json!({"id": "EXC-1"}));
        let anchored = with_field(original.clone(), "anchor", "state-active".into());
        assert_eq!(
            value(&serde_json::json!({"id": "EXC-1", "anchor": "state-active"})),
            anchored
        );
        assert_eq!(value(&serde_json::json!({"id": "EXC-1"})), original);
    }
}
