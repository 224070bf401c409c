//! Components that call themselves with nothing to stop them, directly or through others.
//! Tera renders such a call until its limit of calls and then reports the limit with no
//! place in any template; found here, the error is at the call.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use super::theme_ids::{component_calls, components, delimited};
use crate::diagnostics::{Diagnostic, SourceFile};

/// A call a component's body makes outside any `if` or `for`: made whenever the
/// component renders.
struct Call<'a> {
    callee: &'a str,
    file: &'a Arc<SourceFile>,
    span: Range<usize>,
}

/// An error at one call of each cycle of components that call each other outside any
/// condition. A component that calls itself inside an `if` or a `for` (a tree's node
/// calling its children) may stop, and is left to the render.
pub fn endless(templates: &BTreeMap<String, Arc<SourceFile>>) -> Vec<Diagnostic> {
    let mut calls: BTreeMap<&str, Vec<Call<'_>>> = BTreeMap::new();
    for file in templates.values() {
        // One that no tag closes is a syntax error, which loading the theme reports.
        for component in components(&file.text)
            .into_iter()
            .filter(|c| c.end.is_some())
        {
            calls
                .entry(component.name)
                .or_default()
                .extend(unconditional(file, component.body));
        }
    }
    // A walk along the calls from each component not yet walked, with a stack rather than
    // recursion: a call back to a component still on the stack closes a cycle.
    #[derive(Clone, Copy, PartialEq)]
    enum Walk {
        /// At this place of the stack.
        OnStack(usize),
        Done,
    }
    let mut walked: BTreeMap<&str, Walk> = BTreeMap::new();
    let mut diags = Vec::new();
    for &start in calls.keys() {
        if walked.contains_key(start) {
            continue;
        }
        walked.insert(start, Walk::OnStack(0));
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        while let Some(&mut (component, ref mut next)) = stack.last_mut() {
            let Some(call) = calls[component].get(*next) else {
                walked.insert(component, Walk::Done);
                stack.pop();
                continue;
            };
            *next += 1;
            match walked.get(call.callee) {
                Some(Walk::Done) => {}
                Some(&Walk::OnStack(at)) => {
                    diags.push(endless_call(call, component, &stack[at..]));
                }
                None if calls.contains_key(call.callee) => {
                    walked.insert(call.callee, Walk::OnStack(stack.len()));
                    stack.push((call.callee, 0));
                }
                None => {}
            }
        }
    }
    diags
}

/// How many components of a cycle a report names: a theme may chain thousands.
const NAMED: usize = 8;

/// The report of `call`, by `caller`, which closes the cycle of the components on the
/// walk's stack from `cycle`'s first.
fn endless_call(call: &Call<'_>, caller: &str, cycle: &[(&str, usize)]) -> Diagnostic {
    let message = match cycle {
        [_] => format!("component `{caller}` calls itself whenever it renders"),
        _ => {
            let names = std::iter::once(caller).chain(cycle.iter().map(|(c, _)| *c));
            let mut chain: Vec<String> = names.take(NAMED).map(|c| format!("`{c}`")).collect();
            if cycle.len() + 1 > NAMED {
                chain.push(format!("{} more", cycle.len() + 1 - NAMED));
            }
            format!(
                "component `{caller}` calls `{}`, and so itself, whenever it renders: {}",
                call.callee,
                chain.join(" → ")
            )
        }
    };
    Diagnostic::error(message)
        .with_hint(
            "rendering would never end: make the call inside an `if` or a `for` that stops it",
        )
        .at(call.file, call.span.clone())
}

/// The calls in `body` of `file` outside any `if` or `for`, and outside any expression
/// with an `if` of its own (`{{ <a/> if x }}`).
fn unconditional<'a>(file: &'a Arc<SourceFile>, body: Range<usize>) -> Vec<Call<'a>> {
    let text = &file.text[body.clone()];
    let mut marks: Vec<(Range<usize>, bool, &str)> = delimited(text, "{%", "%}")
        .map(|(inner, at)| (at, true, inner))
        .chain(delimited(text, "{{", "}}").map(|(inner, at)| (at, false, inner)))
        .collect();
    marks.sort_by_key(|(at, _, _)| at.start);
    let mut depth = 0usize;
    let mut calls = Vec::new();
    for (at, is_tag, inner) in marks {
        if is_tag {
            let keyword = inner.trim_matches('-').split_whitespace().next();
            match keyword {
                Some("if" | "for") => depth += 1,
                Some("endif" | "endfor") => depth = depth.saturating_sub(1),
                _ => {}
            }
        } else if depth == 0 && !inner.split_whitespace().any(|w| w == "if") {
            let start = body.start + at.start;
            calls.extend(component_calls(inner).map(|callee| Call {
                callee,
                file,
                span: start..body.start + at.end,
            }));
        }
    }
    calls
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endless_in(templates: &[(&str, &str)]) -> Vec<String> {
        let templates = templates
            .iter()
            .map(|(n, t)| (n.to_string(), SourceFile::new(*n, *t)))
            .collect();
        endless(&templates)
            .iter()
            .map(|d| {
                let (file, line, col) = d.location().unwrap();
                format!("{file}:{line}:{col} {}", d.message)
            })
            .collect()
    }

    #[test]
    fn a_call_that_always_comes_back_is_told_at_the_call() {
        let theme = [(
            "c.html",
            "{% component a() %}<b>{{ <a/> }}</b>{% endcomponent a %}\n\
             {% component b() %}{{ <c/> }}{% endcomponent b %}\n\
             {% component c() %}<i>{{ <b/> }}</i>{% endcomponent c %}",
        )];
        assert_eq!(
            endless_in(&theme),
            [
                "c.html:1:23 component `a` calls itself whenever it renders",
                "c.html:3:23 component `c` calls `b`, and so itself, whenever it renders: \
                 `c` → `b` → `c`",
            ]
        );
    }

    /// A cycle through many components is told once, naming the first few.
    #[test]
    fn a_long_cycle_is_told_once_and_short() {
        let n = 5_000;
        let text: String = (0..n)
            .map(|i| {
                format!(
                    "{{% component c{i}() %}}{{{{ <c{}/> }}}}{{% endcomponent c{i} %}}\n",
                    (i + 1) % n
                )
            })
            .collect();
        let told = endless_in(&[("chain.html", &text)]);
        assert_eq!(told.len(), 1, "{told:?}");
        assert!(
            told[0].ends_with(&format!("{} more", n + 1 - NAMED)),
            "{}",
            told[0]
        );
        assert!(told[0].len() < 300, "{}", told[0]);
    }

    #[test]
    fn a_call_that_a_condition_may_stop_is_left_to_the_render() {
        let theme = [
            (
                "tree.html",
                "{% component node(n) %}{% for c in n.children %}{{ <node n={c}/> }}{% endfor %}{% endcomponent node %}",
            ),
            (
                "maybe.html",
                "{% component m(d) %}{% if d > 0 %}{{ <m d={d - 1}/> }}{% endif %}{{ <m d={d}/> if d > 9 }}{% endcomponent m %}",
            ),
            ("page.html", "{{ <node n={x}/> }}{{ <missing/> }}"),
        ];
        assert!(endless_in(&theme).is_empty());
    }
}
