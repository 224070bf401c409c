//! Links as written in the source, and relative URLs on output.
//!
//! Every URL in the site is written relative to the page that holds it and names its
//! `index.html`, so the folder works from any path and from file://.

/// What a link in the source points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    /// Another site, or a mail address: left as written.
    External(&'a str),
    /// A scheme that runs code (`javascript:`, `vbscript:`, `data:`): never written out.
    Unsafe,
    Exception(&'a str),
    Incident(&'a str),
    /// A content page, by its source path relative to the linking page's folder.
    Page {
        path: &'a str,
        anchor: Option<&'a str>,
    },
    /// A heading on the same page.
    Anchor(&'a str),
    /// Any other path: a static file or an asset next to the page.
    File(&'a str),
}

pub fn classify(dest: &str) -> Target<'_> {
    let dest = dest.trim();
    if let Some(id) = dest.strip_prefix("exception:") {
        return Target::Exception(id);
    }
    if let Some(id) = dest.strip_prefix("incident:") {
        return Target::Incident(id);
    }
    if is_unsafe(dest) {
        return Target::Unsafe;
    }
    if has_scheme(dest) || dest.starts_with("//") {
        return Target::External(dest);
    }
    if let Some(anchor) = dest.strip_prefix('#') {
        return Target::Anchor(anchor);
    }
    let (path, anchor) = match dest.split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (dest, None),
    };
    if path.ends_with(".md") {
        Target::Page { path, anchor }
    } else {
        Target::File(dest)
    }
}

fn has_scheme(dest: &str) -> bool {
    match dest.find(':') {
        Some(i) => {
            let scheme = &dest[..i];
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

fn is_unsafe(dest: &str) -> bool {
    // Browsers ignore control characters and whitespace inside a scheme.
    let scheme: String = dest
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .take(11)
        .collect::<String>()
        .to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:"]
        .iter()
        .any(|s| scheme.starts_with(s))
}

/// `dest` itself, or `#` when it could run code.
pub fn neutralise(dest: &str) -> &str {
    if is_unsafe(dest) { "#" } else { dest }
}

/// Joins a relative `path` onto the folder `base` (both `/`-separated, relative to a root),
/// resolving `.` and `..`. `None` when the path climbs above the root.
pub fn join(base: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = if path.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|s| !s.is_empty()).collect()
    };
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// The prefix that leads from the page at `url` (a folder such as `a/b/`) back to the root.
pub fn root_prefix(url: &str) -> String {
    "../".repeat(url.split('/').filter(|s| !s.is_empty()).count())
}

/// The link to the page whose folder is `url`, written from the site root.
pub fn page_href(url: &str) -> String {
    format!("{url}index.html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_covers_every_kind() {
        assert_eq!(classify("exception:EXC-1"), Target::Exception("EXC-1"));
        assert_eq!(classify("incident:INC-1"), Target::Incident("INC-1"));
        assert_eq!(classify("https://x.org"), Target::External("https://x.org"));
        assert_eq!(classify("mailto:a@b"), Target::External("mailto:a@b"));
        assert_eq!(classify(" JavaScript:alert(1)"), Target::Unsafe);
        assert_eq!(classify("java\tscript:alert(1)"), Target::Unsafe);
        assert_eq!(classify("#top"), Target::Anchor("top"));
        assert_eq!(
            classify("../a/b.md#x"),
            Target::Page {
                path: "../a/b.md",
                anchor: Some("x")
            }
        );
        assert_eq!(classify("img/a.png"), Target::File("img/a.png"));
    }

    #[test]
    fn join_resolves_dots_and_refuses_to_escape() {
        assert_eq!(join("a/b", "../c.md").as_deref(), Some("a/c.md"));
        assert_eq!(join("a", "./c.md").as_deref(), Some("a/c.md"));
        assert_eq!(join("a", "/c.md").as_deref(), Some("c.md"));
        assert_eq!(join("", "../c.md"), None);
    }

    #[test]
    fn root_prefix_counts_folders() {
        assert_eq!(root_prefix(""), "");
        assert_eq!(root_prefix("a/b/"), "../../");
    }
}
