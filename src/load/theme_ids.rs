//! The ids a theme's templates give the elements of a page. A page's own headings and
//! footnotes yield to them, so that no two elements of a page share an id: a heading
//! `## Findings` on the audit report's introduction would otherwise share `findings` with
//! the report's own section, and its link in the table of contents would lead there.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock};

use crate::diagnostics::SourceFile;

/// Ids a page's own ids yield to.
pub type Reserved = Arc<BTreeSet<String>>;

/// No ids: for a text shown outside any template of the theme, such as a record's field,
/// whose ids have a prefix of their own.
pub fn none() -> Reserved {
    static NONE: LazyLock<Reserved> = LazyLock::new(Reserved::default);
    Arc::clone(&NONE)
}

/// For each template of a theme, the ids a page rendered with it may hold as the theme
/// writes them (`id="main"`): its own, and those of the templates it extends, includes or
/// imports and of the components it calls, through any number of steps. An id the template
/// makes from a value (`id="{{ row.anchor }}"`) is not known until it renders, and is not
/// among them.
#[derive(Debug, Default, Clone)]
pub struct TemplateIds {
    by_template: BTreeMap<String, Reserved>,
}

impl TemplateIds {
    pub fn of_theme(templates: &BTreeMap<String, Arc<SourceFile>>) -> TemplateIds {
        let mut parts = BTreeMap::new();
        for (name, file) in templates {
            let (own, components) = read(&file.text);
            parts.insert(Part::Template(name.as_str()), own);
            for (component, part) in components {
                parts.insert(Part::Component(component), part);
            }
        }
        let by_template = templates
            .keys()
            .map(|name| (name.clone(), Arc::new(gather(&parts, Part::Template(name)))))
            .collect();
        TemplateIds { by_template }
    }

    /// The ids of the template `name`; none for a template the theme does not have, which
    /// the render reports.
    pub fn of(&self, name: &str) -> Reserved {
        self.by_template.get(name).map_or_else(none, Arc::clone)
    }

    /// A hash of every template's ids: the pages parsed with them are parsed again when it
    /// changes.
    pub fn fingerprint(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        self.by_template.hash(&mut hasher);
        hasher.finish()
    }
}

/// A template, or a component defined in one (`{% component name(...) %}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Part<'a> {
    Template(&'a str),
    Component(&'a str),
}

/// What a part of a template writes itself, and the parts it reaches.
#[derive(Debug, Default)]
struct Written<'a> {
    ids: BTreeSet<&'a str>,
    templates: Vec<&'a str>,
    components: Vec<&'a str>,
}

/// How many templates and components a template's ids are gathered from at most: a theme
/// has tens, and a walk of every part from every template would take a theme of a chain of
/// thousands quadratic time.
const MAX_PARTS: usize = 256;

/// The ids of `part` and of the parts it reaches, each read once, [`MAX_PARTS`] at most. A
/// stack rather than recursion: a theme may chain any number of templates.
fn gather(parts: &BTreeMap<Part<'_>, Written<'_>>, part: Part<'_>) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut next = vec![part];
    while let Some(part) = next.pop() {
        if seen.len() == MAX_PARTS || !seen.insert(part) {
            continue;
        }
        let Some(written) = parts.get(&part) else {
            continue;
        };
        ids.extend(written.ids.iter().map(|id| id.to_string()));
        next.extend(written.templates.iter().map(|t| Part::Template(t)));
        next.extend(written.components.iter().map(|c| Part::Component(c)));
    }
    ids
}

/// What a template's text writes outside its components, and what each component it
/// defines writes.
fn read(text: &str) -> (Written<'_>, Vec<(&str, Written<'_>)>) {
    let mut own = Written::default();
    let mut parts = Vec::new();
    let mut outside = 0;
    for component in components(text) {
        read_into(&text[outside..component.tag], &mut own);
        let body = &text[component.body.clone()];
        match component.end {
            Some(end) => {
                let mut part = Written::default();
                read_into(body, &mut part);
                parts.push((component.name, part));
                outside = end;
            }
            // Not closed: what follows its tag is the template's own.
            None => {
                read_into(body, &mut own);
                outside = text.len();
            }
        }
    }
    read_into(&text[outside..], &mut own);
    (own, parts)
}

/// A component a template defines (`{% component name(...) %}` ... `{% endcomponent %}`).
pub(super) struct Component<'a> {
    pub(super) name: &'a str,
    /// Where its `{% component %}` tag starts.
    tag: usize,
    /// Its body: up to its closing tag, or to the end of the text when none closes it.
    pub(super) body: std::ops::Range<usize>,
    /// Where its closing tag ends; `None` when none closes it.
    pub(super) end: Option<usize>,
}

/// The components `text` defines, in order. A `{% component %}` tag inside a component's
/// body is part of that body.
pub(super) fn components(text: &str) -> Vec<Component<'_>> {
    let mut found = Vec::new();
    let mut open: Option<Component> = None;
    for (tag, at) in delimited(text, "{%", "%}") {
        let words = tag.trim_matches('-').trim();
        if let Some(rest) = words.strip_prefix("component ") {
            open = open.or_else(|| {
                Some(Component {
                    name: rest.split('(').next().unwrap_or(rest).trim(),
                    tag: at.start,
                    body: at.end..text.len(),
                    end: None,
                })
            });
        } else if words.starts_with("endcomponent")
            && let Some(mut component) = open.take()
        {
            component.body.end = at.start;
            component.end = Some(at.end);
            found.push(component);
        }
    }
    found.extend(open);
    found
}

/// Adds what `text`, with no component defined in it, writes and reaches to `part`.
fn read_into<'a>(text: &'a str, part: &mut Written<'a>) {
    for (tag, _) in delimited(text, "{%", "%}") {
        let words = tag.trim_matches('-').trim();
        let keyword = words.split_whitespace().next().unwrap_or("");
        if matches!(keyword, "extends" | "include" | "import") {
            part.templates.extend(quoted(words));
        }
    }
    for (expression, _) in delimited(text, "{{", "}}") {
        part.components.extend(component_calls(expression));
    }
    part.ids.extend(literal_ids(text));
}

/// The text between each `open` and the `close` after it, with the span of the whole.
pub(super) fn delimited<'a>(
    text: &'a str,
    open: &'a str,
    close: &'a str,
) -> impl Iterator<Item = (&'a str, std::ops::Range<usize>)> + 'a {
    let mut from = 0;
    std::iter::from_fn(move || {
        let start = from + text[from..].find(open)?;
        let inner = start + open.len();
        let end = inner + text[inner..].find(close)?;
        from = end + close.len();
        Some((&text[inner..end], start..from))
    })
}

/// The strings quoted in a tag, `"..."` or `'...'`: the templates it names.
fn quoted(tag: &str) -> impl Iterator<Item = &str> {
    let mut rest = tag;
    std::iter::from_fn(move || {
        let start = rest.find(['"', '\''])?;
        let quote = &rest[start..start + 1];
        let after = &rest[start + 1..];
        let end = after.find(quote)?;
        rest = &after[end + 1..];
        Some(&after[..end])
    })
}

/// The components an expression calls: `{{ <name .../> }}`.
pub(super) fn component_calls(expression: &str) -> impl Iterator<Item = &str> {
    expression.match_indices('<').filter_map(move |(i, _)| {
        let name = &expression[i + 1..];
        let end = name
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(name.len());
        let name = &name[..end];
        name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            .then_some(name)
    })
}

/// The ids an element's `id` attribute is given as written, not made from a value.
fn literal_ids(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices("id=").filter_map(move |(i, _)| {
        // `id` as a whole attribute name, not the end of `data-id` or `grid`.
        if !text[..i].ends_with(|c: char| c.is_ascii_whitespace()) {
            return None;
        }
        let value = &text[i + 3..];
        let quote = value.chars().next().filter(|c| matches!(c, '"' | '\''))?;
        let value = &value[1..];
        let id = &value[..value.find(quote)?];
        (!id.is_empty() && !id.contains(['{', '}']) && !id.contains(char::is_whitespace))
            .then_some(id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids_of(templates: &[(&str, &str)], name: &str) -> Vec<String> {
        let templates = templates
            .iter()
            .map(|(n, t)| (n.to_string(), SourceFile::new(*n, *t)))
            .collect();
        let ids = TemplateIds::of_theme(&templates).of(name);
        ids.iter().cloned().collect()
    }

    #[test]
    fn a_template_holds_the_ids_of_what_it_extends_includes_and_calls() {
        let theme = [
            (
                "base.html",
                "<main id=\"main\">{% block content %}{% endblock content %}</main>",
            ),
            (
                "page.html",
                "{%- extends 'base.html' -%}{% block content %}<h2 id='referenced-by'>x</h2>{% include \"part.html\" %}{{ <badge kind={k}/> }}{% endblock content %}",
            ),
            ("part.html", "<p id=\"part\" data-id=\"not-an-id\">"),
            (
                "components.html",
                "<b id=\"outside\"></b>{% component badge(kind) -%}<span id=\"badge\">{{ <inner/> }}</span>{%- endcomponent badge %}{% component inner() %}<i id=\"inner\"></i>{% endcomponent inner %}{% component unused() %}<i id=\"unused\"></i>{% endcomponent unused %}",
            ),
            ("loop.html", "{% extends \"loop.html\" %}<a id=\"self\">"),
        ];
        assert_eq!(
            ids_of(&theme, "page.html"),
            ["badge", "inner", "main", "part", "referenced-by"]
        );
        assert_eq!(ids_of(&theme, "components.html"), ["outside"]);
        assert_eq!(ids_of(&theme, "loop.html"), ["self"]);
        assert!(ids_of(&theme, "missing.html").is_empty());
    }

    /// A chain of templates far longer than any theme's is followed without recursion, and
    /// from each template no further than [`MAX_PARTS`].
    #[test]
    fn a_long_chain_of_templates_is_followed_as_far_as_a_theme_goes() {
        let n = 5_000;
        let names: Vec<String> = (0..n).map(|i| format!("t{i}.html")).collect();
        let texts: Vec<String> = (0..n)
            .map(|i| match i + 1 < n {
                true => format!("{{% include \"t{}.html\" %}}", i + 1),
                false => "<p id=\"last\">".to_string(),
            })
            .collect();
        let theme: Vec<(&str, &str)> = names
            .iter()
            .zip(&texts)
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let ids = TemplateIds::of_theme(
            &theme
                .iter()
                .map(|(n, t)| (n.to_string(), SourceFile::new(*n, *t)))
                .collect(),
        );
        assert!(ids.of("t0.html").is_empty());
        let near = format!("t{}.html", n - MAX_PARTS);
        assert_eq!(ids.of(&near).iter().collect::<Vec<_>>(), ["last"]);
    }

    #[test]
    fn an_id_made_from_a_value_is_not_known() {
        let theme = [(
            "row.html",
            "<tr id=\"{{ row.anchor }}\"><td id=\"from-{{ loop.index }}\" grid=\"x\" id=\"\"><td\nid=\"kept\">",
        )];
        assert_eq!(ids_of(&theme, "row.html"), ["kept"]);
    }

    #[test]
    fn the_default_theme_gives_its_page_templates_their_sections_ids() {
        let theme = crate::load::theme::Theme::builtin();
        let ids = TemplateIds::of_theme(&theme.templates);
        for (template, id) in [
            ("page.html", "main"),
            ("page.html", "referenced-by"),
            ("section.html", "referenced-by"),
            ("index.html", "main"),
            ("policy.html", "approval-table"),
            ("audit.html", "findings"),
            ("audit.html", "approvals"),
            ("status.html", "incidents"),
            ("exceptions.html", "registry"),
        ] {
            assert!(ids.of(template).contains(id), "{template} {id}");
        }
        assert!(!ids.of("page.html").contains("findings"));
    }

    /// A handbook's own template changes only the pages shown with it (page.html not the
    /// sections or the home page): no built-in template takes in another but base.html.
    #[test]
    fn the_default_themes_templates_take_in_base_html_only() {
        for (name, file) in crate::load::theme::Theme::builtin().templates {
            let (own, components) = read(&file.text);
            let taken: Vec<&str> = (own.templates.iter())
                .chain(components.iter().flat_map(|(_, part)| &part.templates))
                .copied()
                .filter(|t| *t != "base.html")
                .collect();
            assert!(taken.is_empty(), "{name} takes in {taken:?}");
        }
    }
}
