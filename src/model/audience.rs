//! Who may read what (SPEC 12): the classification levels of records and pages, and the
//! audiences, each a view of the handbook up to a level, with some fields redacted.

use std::collections::BTreeMap;

use serde::Deserialize;

/// handbook.yaml's `classification`.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "Levels")]
pub struct Classification {
    /// From the least to the most sensitive.
    pub levels: Vec<String>,
    /// The level of a record or page that gives none. Required: either choice (everyone, or
    /// the most trusted readers only) is one a team must make, not a default to fall into.
    pub default: String,
    /// The rank of each level, its first place in `levels`: every record and page is
    /// ranked, and a list of levels may be long. Ordered, so that its `Debug` text, which
    /// the settings' fingerprint is made from, is the same at every build.
    ranks: BTreeMap<String, usize>,
}

/// [`Classification`] as handbook.yaml writes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Levels {
    #[serde(deserialize_with = "crate::model::text::texts")]
    levels: Vec<String>,
    #[serde(deserialize_with = "crate::model::text::text")]
    default: String,
}

impl From<Levels> for Classification {
    fn from(written: Levels) -> Self {
        let mut ranks = BTreeMap::new();
        for (rank, level) in written.levels.iter().enumerate() {
            ranks.entry(level.clone()).or_insert(rank);
        }
        Classification {
            levels: written.levels,
            default: written.default,
            ranks,
        }
    }
}

impl Classification {
    /// The rank of `level`, 0 for the least sensitive; `None` for a level not in the list.
    pub fn rank(&self, level: &str) -> Option<usize> {
        self.ranks.get(level).copied()
    }

    /// The rank of a record or page classified `level`, or unclassified. A level not in the
    /// list (an error, after which nothing is written) ranks above all of them, so that no
    /// audience could read it.
    pub fn rank_of(&self, level: Option<&str>) -> usize {
        self.rank(level.unwrap_or(&self.default))
            .unwrap_or(self.levels.len())
    }
}

/// An entry of handbook.yaml's `audiences`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Audience {
    /// The most sensitive level this audience may read.
    #[serde(deserialize_with = "crate::model::text::text")]
    pub max: String,
    /// Record fields shown as "redacted" to this audience.
    #[serde(default, deserialize_with = "crate::model::text::texts")]
    pub redact: Vec<String>,
}

/// What the readers of an audience may see: records and pages up to `max` (a rank of
/// [`Classification`]), the fields in `redact` replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader<'a> {
    pub name: &'a str,
    /// `None` when the audience's `max` is not a level (an error): it reads nothing.
    pub max: Option<usize>,
    pub redact: &'a [String],
}

impl Reader<'_> {
    /// Whether this audience may read something of `rank`.
    pub fn may_read(&self, rank: usize) -> bool {
        self.max.is_some_and(|max| rank <= max)
    }
}
