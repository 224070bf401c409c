//! The checks of who may read what (SPEC 12): handbook.yaml's `classification`, `audiences`
//! and `default_audience`, and the `classification` of each record and page, each error at
//! its place in the file.

use std::collections::HashMap;
use std::sync::Arc;

use unicode_normalization::UnicodeNormalization;

use crate::diagnostics::{Diagnostic, SourceFile, closest};
use crate::load::config::Config;
use crate::load::content::Page;
use crate::load::records::Records;
use crate::load::yaml::{self, Seg};
use crate::model::redact::{KEPT, REDACTABLE};

/// What to do with two names that differ only in letter case or Unicode spelling.
const CASE_HINT: &str = "give it a name of its own, or remove one of the two";

/// A name as a reader tells it from another: whatever its letter case, and its accents
/// written as one character or as a letter and a mark (`café`, `cafe\u{301}`), which look
/// the same and would make two audiences no one could tell apart.
fn told_apart(name: &str) -> String {
    name.nfc().flat_map(char::to_lowercase).collect()
}

/// How a handbook states its levels, for the hints.
const LEVELS_HINT: &str = "add `classification: { levels: [public, internal, confidential, \
                           restricted], default: internal }` to handbook.yaml, the levels from \
                           the least to the most sensitive";

/// Whether the levels are unknown rather than absent: handbook.yaml, which has errors, sets
/// none, and its `classification` may be what did not load. What would be checked against
/// them is then not reported, since handbook.yaml's own error is its cause.
fn levels_unknown(config: &Config, config_has_errors: bool) -> bool {
    config_has_errors && config.classification.is_none()
}

/// The errors in handbook.yaml's settings of audiences, `other_errors` telling whether it
/// has others (see [`levels_unknown`]).
pub fn check_config(
    config: &Config,
    other_errors: bool,
    file: &Arc<SourceFile>,
) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let mut error = |path: &[Seg], message: String, hint: Option<String>| {
        let span = yaml::locate(file, path).map_or(0..0, |p| p.value);
        let diag = Diagnostic::error(message).at(file, span);
        errors.push(match hint {
            Some(h) => diag.with_hint(h),
            None => diag,
        });
    };
    let mut hints = LevelHints::new(config);
    if let Some(classification) = &config.classification {
        let path = [Seg::Key("classification"), Seg::Key("levels")];
        let levels = &classification.levels;
        if levels.is_empty() {
            error(
                &path,
                "`classification.levels` lists no level".into(),
                Some(LEVELS_HINT.into()),
            );
        }
        let mut seen = HashMap::with_capacity(levels.len());
        for (i, level) in levels.iter().enumerate() {
            let at = [path[0], path[1], Seg::Index(i)];
            match seen.insert(told_apart(level), level) {
                Some(first) if first == level => {
                    error(&at, format!("level `{level}` is listed twice"), None)
                }
                Some(first) => error(
                    &at,
                    format!("level `{level}` is `{first}` but for letter case or Unicode spelling"),
                    Some(CASE_HINT.into()),
                ),
                None => {}
            }
        }
        if classification.rank(&classification.default).is_none() {
            error(
                &[Seg::Key("classification"), Seg::Key("default")],
                format!("unknown level `{}`", classification.default),
                Some(hints.hint(&classification.default)),
            );
        }
    } else if !config.audiences.is_empty() && !levels_unknown(config, other_errors) {
        error(
            &[Seg::Key("audiences")],
            "audiences read records and pages up to a classification level, and \
             handbook.yaml sets no `classification`"
                .into(),
            Some(LEVELS_HINT.into()),
        );
    }
    // Told at the one written later: `--audience` names either, and a slip of case in a
    // CI job would build the other's site.
    let mut by_case: Vec<(&String, usize)> = (config.audiences.keys())
        .map(|n| {
            let at = yaml::locate(file, &[Seg::Key("audiences"), Seg::Key(n)]);
            (n, at.map_or(0, |p| p.key.start))
        })
        .collect();
    by_case.sort_by_key(|(_, at)| *at);
    let mut seen = HashMap::new();
    for (name, _) in by_case {
        if let Some(first) = seen.insert(told_apart(name), name) {
            error(
                &[Seg::Key("audiences"), Seg::Key(name)],
                format!("audience `{name}` is `{first}` but for letter case or Unicode spelling"),
                Some(CASE_HINT.into()),
            );
        }
    }
    for (name, audience) in &config.audiences {
        if config
            .classification
            .as_ref()
            .is_some_and(|c| c.rank(&audience.max).is_none())
        {
            error(
                &[Seg::Key("audiences"), Seg::Key(name), Seg::Key("max")],
                format!("unknown level `{}`", audience.max),
                Some(hints.hint(&audience.max)),
            );
        }
        for (i, field) in audience.redact.iter().enumerate() {
            if REDACTABLE.contains(&field.as_str()) {
                continue;
            }
            let at = [
                Seg::Key("audiences"),
                Seg::Key(name),
                Seg::Key("redact"),
                Seg::Index(i),
            ];
            if KEPT.contains(&field.as_str()) {
                error(
                    &at,
                    format!(
                        "`{field}` cannot be redacted: ids, dates, vocabularies, numbers and \
                         cross links are what states, metrics and findings are computed from"
                    ),
                    Some(format!("the fields that can be: {}", list(REDACTABLE))),
                );
            } else {
                error(
                    &at,
                    format!("unknown field `{field}` in `redact`"),
                    Some(known_hint(
                        field,
                        REDACTABLE,
                        "fields that can be redacted",
                        true,
                    )),
                );
            }
        }
    }
    // An audience written under `audiences` that did not load is reported there.
    if let Some(name) = &config.default_audience
        && !config.audiences.contains_key(name)
        && yaml::locate(file, &[Seg::Key("audiences"), Seg::Key(name)]).is_none()
    {
        let names: Vec<&str> = config.audiences.keys().map(String::as_str).collect();
        let hint = if names.is_empty() {
            "define it under `audiences`, or leave `default_audience` out to build the whole \
             handbook"
                .to_string()
        } else {
            known_hint(name, &names, "audiences", true)
        };
        error(
            &[Seg::Key("default_audience")],
            format!("unknown audience `{name}`"),
            Some(hint),
        );
    }
    errors
}

/// The errors of each page's and record's `classification` that is not a level. While the
/// levels are unknown ([`levels_unknown`]), one warning says how many are not checked.
pub fn check_classified(
    config: &Config,
    config_has_errors: bool,
    pages: &[Arc<Page>],
    records: &Records,
) -> Vec<Diagnostic> {
    let mut hints = LevelHints::new(config);
    let mut report = |level: &str, file: &Arc<SourceFile>, span| {
        let (message, hint) = match &config.classification {
            Some(_) => (
                format!("unknown classification level `{level}`"),
                hints.hint(level),
            ),
            None => (
                format!("classification `{level}`, but handbook.yaml sets no levels"),
                LEVELS_HINT.to_string(),
            ),
        };
        Diagnostic::error(message).at(file, span).with_hint(hint)
    };
    let unknown = |level| unknown_level(config, level);
    let mut errors = Vec::new();
    for page in pages {
        if let Some(level) = unknown(&page.front.classification) {
            errors.push(report(
                level,
                &page.source,
                page.front_matter_value("classification"),
            ));
        }
    }
    let at = [Seg::Key("classification")];
    for e in &records.exceptions {
        if let Some(level) = unknown(&e.record.classification) {
            errors.push(report(level, &e.source, e.span(&at)));
        }
    }
    for i in &records.incidents {
        if let Some(level) = unknown(&i.record.classification) {
            errors.push(report(level, &i.source, i.span(&at)));
        }
    }
    if levels_unknown(config, config_has_errors) && !errors.is_empty() {
        return vec![Diagnostic::warning(format!(
            "{} classification(s) of pages and records are not checked while \
             handbook.yaml, which sets the levels, has errors",
            errors.len()
        ))];
    }
    // Without levels every classification is refused for one cause, handbook.yaml's: told
    // once, at the first, with how many there are.
    if config.classification.is_none() && errors.len() > 1 {
        let others = errors.len() - 1;
        errors.truncate(1);
        errors[0].message.push_str(&format!(
            " (nor for the {others} other page(s) and record(s) classified)"
        ));
    }
    errors
}

/// `level`, when it is given and is not one of handbook.yaml's levels (or there are none).
fn unknown_level<'l>(config: &Config, level: &'l Option<String>) -> Option<&'l str> {
    let known = |l: &str| (config.classification.as_ref()).is_some_and(|c| c.rank(l).is_some());
    level.as_deref().filter(|l| !known(l))
}

/// The hint of each unknown level, made once for each: a handbook may name an unknown
/// level in thousands of records, and list thousands of levels.
struct LevelHints<'a> {
    levels: Vec<&'a str>,
    made: HashMap<String, String>,
}

impl<'a> LevelHints<'a> {
    fn new(config: &'a Config) -> Self {
        LevelHints {
            levels: config
                .classification
                .iter()
                .flat_map(|c| c.levels.iter().map(String::as_str))
                .collect(),
            made: HashMap::new(),
        }
    }

    /// [`known_hint`] for `unknown`, the closest level looked for among the first
    /// [`MAX_CLOSEST`] unknown levels only.
    fn hint(&mut self, unknown: &str) -> String {
        if let Some(made) = self.made.get(unknown) {
            return made.clone();
        }
        let hint = known_hint(
            unknown,
            &self.levels,
            "levels",
            self.made.len() < MAX_CLOSEST,
        );
        self.made.insert(unknown.to_string(), hint.clone());
        hint
    }
}

/// How many unknown names are compared with every known one for a hint.
const MAX_CLOSEST: usize = 100;

/// "did you mean `x`?" when `suggest` and one is close, else the names there are, the
/// first [`MAX_LISTED`] of them.
fn known_hint(unknown: &str, known: &[&str], what: &str, suggest: bool) -> String {
    match suggest
        .then(|| closest(unknown, known.iter().copied()))
        .flatten()
    {
        Some(best) => format!("did you mean `{best}`?"),
        None if known.is_empty() => format!("handbook.yaml defines no {what}"),
        None => {
            let listed = list(&known[..known.len().min(MAX_LISTED)]);
            match known.len().saturating_sub(MAX_LISTED) {
                0 => format!("the {what} are {listed}"),
                more => format!("the {what} are {listed}, and {more} more"),
            }
        }
    }
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How many names a hint lists: the fields that can be redacted are 27.
const MAX_LISTED: usize = 50;

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<(usize, usize, String, Option<String>)> {
        let file = SourceFile::new("handbook.yaml", text);
        let (_, errors) = Config::load_with_defaults(&file);
        let mut found: Vec<_> = errors
            .into_iter()
            .map(|d| {
                let (_, line, col) = d.location().unwrap();
                (line, col, d.message, d.hint.map(String::from))
            })
            .collect();
        found.sort();
        found
    }

    const LEVELS: &str =
        "title: T\nclassification:\n  levels: [public, internal, secret]\n  default: internal\n";

    #[test]
    fn good_settings_load() {
        let text = format!(
            "{LEVELS}audiences:\n  staff: {{ max: internal }}\n  auditors: {{ max: secret, redact: [assets, tickets] }}\ndefault_audience: staff\n"
        );
        assert_eq!(errors(&text), []);
        let config = Config::load(&SourceFile::new("handbook.yaml", text)).unwrap();
        assert_eq!(config.audiences["auditors"].redact, ["assets", "tickets"]);
        let c = config.classification.unwrap();
        assert_eq!((c.rank_of(None), c.rank_of(Some("secret"))), (1, 2));
        assert_eq!(c.rank_of(Some("nonsense")), 3, "above every level");
    }

    /// A level listed twice ranks where it is first listed; a hint lists 50 levels, and
    /// after 100 unknown levels stops looking for the closest.
    #[test]
    fn long_lists_of_levels_are_ranked_and_hinted_in_short() {
        let levels: Vec<String> = (0..60).map(|i| format!("level{i}")).collect();
        let text = format!(
            "title: T\nclassification:\n  levels: [{}, level3]\n  default: zz\n",
            levels.join(", ")
        );
        let found = errors(&text);
        assert_eq!(found[0].2, "level `level3` is listed twice");
        let hint = found[1].3.as_deref().unwrap();
        assert!(
            hint.starts_with("the levels are `level0`, `level1`"),
            "{hint}"
        );
        assert!(hint.ends_with("`level49`, and 11 more"), "{hint}");
        let config = Config::load_with_defaults(&SourceFile::new("h.yaml", text)).0;
        let c = config.classification.as_ref().unwrap();
        assert_eq!((c.rank("level3"), c.rank("level59")), (Some(3), Some(59)));

        let mut hints = LevelHints::new(&config);
        assert!(hints.hint("levelzz").starts_with("did you mean `level"));
        for i in 0..MAX_CLOSEST {
            hints.hint(&format!("q{i}"));
        }
        assert!(hints.hint("levelzy").starts_with("the levels are `level0`"));
        // Each level's hint is made once, and the same for each of its reports.
        assert!(hints.hint("levelzz").starts_with("did you mean `level"));
    }

    #[test]
    fn each_mistake_is_reported_at_its_place() {
        let text = format!(
            "{LEVELS}audiences:\n  staff: {{ max: internl }}\n  auditors:\n    max: secret\n    redact: [assetz, severity, tickets]\ndefault_audience: stuff\n"
        );
        let found = errors(&text);
        let expected = [
            (6, 17, "unknown level `internl`", "did you mean `internal`?"),
            (
                9,
                14,
                "unknown field `assetz` in `redact`",
                "did you mean `assets`?",
            ),
            (
                9,
                22,
                "`severity` cannot be redacted",
                "the fields that can be",
            ),
            (10, 19, "unknown audience `stuff`", "did you mean `staff`?"),
        ];
        assert_eq!(found.len(), expected.len(), "{found:#?}");
        for ((line, col, message, hint), want) in found.iter().zip(expected) {
            assert_eq!((*line, *col), (want.0, want.1), "{message}");
            assert!(message.starts_with(want.2), "{message}");
            assert!(hint.as_deref().unwrap().starts_with(want.3), "{hint:?}");
        }
        let found = errors("title: T\nclassification:\n  levels: [a, b, a]\n  default: c\n");
        assert_eq!(found[0].2, "level `a` is listed twice");
        assert_eq!((found[0].0, found[0].1), (3, 18));
        assert_eq!(found[1].2, "unknown level `c`");
        let found = errors("title: T\naudiences:\n  staff: { max: internal }\n");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].2.contains("sets no `classification`"));
        // An audience that does not load is told once, where it is written.
        let found = errors(&format!(
            "{LEVELS}audiences:\n  staff: {{ max: internal, colour: red }}\ndefault_audience: staff\n"
        ));
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].2.contains("unknown field `colour`"), "{found:#?}");
        // Names that differ only in letter case or Unicode spelling, told at the later one.
        let found = errors(
            "title: T\nclassification:\n  levels: [public, Public, caf\u{e9}, cafe\u{301}]\n  \
             default: public\naudiences:\n  staff: { max: public }\n  Staff: { max: public }\n  \
             r\u{e9}sum\u{e9}: { max: public }\n  re\u{301}sume\u{301}: { max: public }\n",
        );
        let found: Vec<_> = found.iter().map(|f| (f.0, f.2.as_str())).collect();
        let but_for = "but for letter case or Unicode spelling";
        assert_eq!(
            found,
            [
                (3, format!("level `Public` is `public` {but_for}").as_str()),
                (3, &format!("level `cafe\u{301}` is `caf\u{e9}` {but_for}")),
                (7, &format!("audience `Staff` is `staff` {but_for}")),
                (
                    9,
                    &format!("audience `re\u{301}sume\u{301}` is `r\u{e9}sum\u{e9}` {but_for}")
                ),
            ]
        );
        let found = errors("title: T\ndefault_audience: staff\n");
        assert_eq!(found[0].2, "unknown audience `staff`");
        assert!(found[0].3.as_deref().unwrap().contains("under `audiences`"));
    }
}
