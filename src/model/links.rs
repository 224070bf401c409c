//! Links as written in the source, and relative URLs on output.
//!
//! Every URL in the site is written relative to the page that holds it and names its
//! `index.html`, so the folder works from any path and from file://.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Why a link's address is not written out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsafe {
    /// A scheme that runs code in the reader's browser: `javascript`, `vbscript`.
    Code(&'static str),
    /// `data:`, a page or file of its own, which can run code.
    Data,
    /// The reader's files or a file share (`file:`, `smb:`, `\\host\share`, `C:\`): a
    /// click may hand the reader's Windows sign-in to the share's host.
    Files,
    /// Any other scheme, lowercased: one no web page's sanitiser keeps (`ms-msdt:`).
    Scheme(String),
}

/// The schemes a link may have: those ammonia keeps in raw HTML, which are GitHub's, so
/// that a Markdown link and a raw one are held to one list.
pub const SCHEMES: &[&str] = &[
    "bitcoin",
    "ftp",
    "ftps",
    "geo",
    "http",
    "https",
    "im",
    "irc",
    "ircs",
    "magnet",
    "mailto",
    "mms",
    "mx",
    "news",
    "nntp",
    "openpgp4fpr",
    "sip",
    "sms",
    "smsto",
    "ssh",
    "tel",
    "url",
    "webcal",
    "wtai",
    "xmpp",
];

/// What a link in the source points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    /// Another site, or a mail address: left as written.
    External(&'a str),
    /// An address a page may not lead to: never written out.
    Unsafe(Unsafe),
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
    // A scheme is read in any letter case (RFC 3986), secbook's own as others.
    let scheme = |name: &str| {
        (dest.get(..name.len()))
            .filter(|s| s.eq_ignore_ascii_case(name))
            .map(|_| &dest[name.len()..])
    };
    if let Some(id) = scheme("exception:") {
        return Target::Exception(id);
    }
    if let Some(id) = scheme("incident:") {
        return Target::Incident(id);
    }
    if let Some(why) = unsafe_address(dest) {
        return Target::Unsafe(why);
    }
    if is_remote(dest) {
        return Target::External(dest);
    }
    if let Some(anchor) = dest.strip_prefix('#') {
        return Target::Anchor(anchor);
    }
    // Zola's link from the top of content/ (`@/runbooks/triage.md`), which a handbook
    // moved from Zola keeps.
    let dest = dest
        .strip_prefix('@')
        .filter(|d| d.starts_with('/'))
        .unwrap_or(dest);
    // An empty fragment is the top of the page, as a browser reads it.
    let (path, anchor) = match dest.split_once('#') {
        Some((p, a)) => (p, Some(a).filter(|a| !a.is_empty())),
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

/// Why `dest` may not be written out, if so: a scheme not in [`SCHEMES`], or two slashes
/// that a backslash makes a file share's (`\\host\share`, `/\host`).
fn unsafe_address(dest: &str) -> Option<Unsafe> {
    if dest.trim_start().starts_with(['\\', '/']) {
        let mut start = dest.trim_start().chars();
        let two = (start.next(), start.next());
        let share =
            matches!(two, (Some('/' | '\\'), Some('/' | '\\'))) && two != (Some('/'), Some('/'));
        return share.then_some(Unsafe::Files);
    }
    // Browsers ignore control characters and whitespace inside a scheme.
    let url: String = dest
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .take_while(|c| !matches!(c, '/' | '?' | '#'))
        .collect();
    if !has_scheme(&url) {
        return None;
    }
    let scheme = url[..url.find(':')?].to_ascii_lowercase();
    Some(match scheme.as_str() {
        "javascript" => Unsafe::Code("javascript"),
        "vbscript" => Unsafe::Code("vbscript"),
        "data" => Unsafe::Data,
        "file" | "smb" | "cifs" | "nfs" | "afp" => Unsafe::Files,
        // A drive letter: a path on Windows.
        _ if scheme.len() == 1 => Unsafe::Files,
        _ if SCHEMES.contains(&scheme.as_str()) => return None,
        _ => Unsafe::Scheme(scheme),
    })
}

/// Whether a browser would fetch `dest` from elsewhere than the site: an address with a
/// scheme (`https:`, `file:`), or one that starts with two slashes or backslashes in any
/// mix (`//host/p.png`, `\\host\share`), which names another host. Read as a browser reads
/// it, without the tabs and line breaks it drops and the spaces and control characters it
/// trims.
pub fn is_remote(dest: &str) -> bool {
    let url: String = dest
        .trim_matches(|c: char| c == ' ' || c.is_ascii_control())
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let slash = |c: Option<char>| matches!(c, Some('/' | '\\'));
    let mut chars = url.chars();
    has_scheme(&url) || (slash(chars.next()) && slash(chars.next()))
}

/// `url` with the `https:` scheme, where it has none (`//host/p`): from disk, a browser
/// would take it as the page's `file:` and look for a file share.
pub fn scheme_relative(url: &str) -> Option<String> {
    let url = url.trim();
    url.starts_with("//").then(|| format!("https:{url}"))
}

/// `url`, an address on another host, as a browser follows it: in an address of the web
/// (`http:`, `https:`, `ftp:`, `ws:`, `wss:`, or with no scheme, `//host`), a backslash
/// before the query is a slash. Written so, the address is one an HTML checker accepts and
/// any other reader of the page follows as the browser does.
pub fn as_followed(url: &str) -> Cow<'_, str> {
    let path_end = url.find(['?', '#']).unwrap_or(url.len());
    if !url[..path_end].contains('\\') {
        return Cow::Borrowed(url);
    }
    let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
    let web = match scheme.as_deref() {
        Some("http" | "https" | "ftp" | "ws" | "wss") => true,
        Some(_) if has_scheme(url) => false,
        _ => true,
    };
    if !web {
        return Cow::Borrowed(url);
    }
    Cow::Owned(url[..path_end].replace('\\', "/") + &url[path_end..])
}

/// A path as a link writes it, percent-decoded as a server or a file system reads it:
/// `my%20page.md` names `my page.md`.
pub fn decode(path: &str) -> Cow<'_, str> {
    percent_decode_str(path).decode_utf8_lossy()
}

/// The file name a link leads to, decoded: what names an image that has no alt text where
/// it must have a name, as a screen reader would read its address.
pub fn file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    decode(path.rsplit('/').next().unwrap_or_default()).into_owned()
}

/// What a path in a link keeps as written: letters, digits and the characters that mean
/// nothing special in a URL path. Anything else (a space, `#`, `?`, `%`, letters beyond
/// ASCII) is percent-encoded.
const PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A path of the site written as a link to it: the inverse of [`decode`].
pub fn encode(path: &str) -> Cow<'_, str> {
    utf8_percent_encode(path, PATH).into()
}

/// What a URL may not hold as itself, wherever it is: controls, a space, `"`, `<`, `>`,
/// `\`, `^`, `` ` ``, `{`, `|` and `}` (and letters beyond ASCII, which are always
/// percent-encoded).
const NOT_IN_URL: &AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Nor a fragment `#`, `%` (the text is not written escaped) or `[`, `]`. A heading's id
/// may be written `{#...}` with any of them, and browsers find the heading from the
/// percent-encoded form as well.
const FRAGMENT: &AsciiSet = &NOT_IN_URL.add(b'#').add(b'%').add(b'[').add(b']');

/// And in a `mailto:` URL, `?` would start its headers and `,` another address (RFC 6068).
const MAILTO: &AsciiSet = &FRAGMENT.add(b'?').add(b',');

/// The link to the element with id `id` on the same page.
pub fn fragment(id: &str) -> String {
    format!("#{}", utf8_percent_encode(id, FRAGMENT))
}

/// The link that writes mail to `email`, as written in a record: one address, whatever
/// the text holds.
pub fn mailto(email: &str) -> String {
    format!("mailto:{}", utf8_percent_encode(email.trim(), MAILTO))
}

/// [`fragment`] as a Markdown link may write it, for a hint: letters beyond ASCII as they
/// are (`#手順書`), which a link finds its heading by as well as encoded.
pub fn written_fragment(id: &str) -> String {
    let mut out = String::from("#");
    for c in id.chars() {
        match c.is_ascii() {
            true => out.extend(utf8_percent_encode(c.encode_utf8(&mut [0; 4]), FRAGMENT)),
            false => out.push(c),
        }
    }
    out
}

/// `dest` itself, or `#` when it may not be written out.
pub fn neutralise(dest: &str) -> &str {
    if unsafe_address(dest).is_some() {
        "#"
    } else {
        dest
    }
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

/// A page, record or file that a link names: what an audience's view may hold or not.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Named {
    /// By its path below content/: `a/b.md`.
    Page(String),
    Exception(String),
    Incident(String),
    /// By its path in the site: a static file, or a file beside the pages.
    File(String),
}

impl std::fmt::Display for Named {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Named::Page(path) => write!(f, "page `{path}`"),
            Named::Exception(id) => write!(f, "exception `{id}`"),
            Named::Incident(id) => write!(f, "incident `{id}`"),
            Named::File(path) => write!(f, "file `{path}`"),
        }
    }
}

/// What the link `dest`, written in the folder `dir` below content/, names, read as
/// [`classify`] reads it and percent-decoded; `None` for a link off the site or to a
/// heading of the same page, and for a path that climbs above the root.
pub fn named(dir: &str, dest: &str) -> Option<Named> {
    named_as(dir, &classify(dest))
}

/// [`named`] of a link already classified as `target`.
pub fn named_as(dir: &str, target: &Target) -> Option<Named> {
    match *target {
        Target::Exception(id) => Some(Named::Exception(decode(id).into_owned())),
        Target::Incident(id) => Some(Named::Incident(decode(id).into_owned())),
        Target::Page { path, .. } => join(dir, &decode(path)).map(Named::Page),
        Target::File(dest) => {
            let path = dest.split(['?', '#']).next().unwrap_or_default();
            join(dir, &decode(path)).map(Named::File)
        }
        Target::External(_) | Target::Unsafe(_) | Target::Anchor(_) => None,
    }
}

/// A content path as records write it (`content/a.md`, `/a.md`, `a.md`), as the site
/// knows it (`a.md`).
pub fn content_path(path: &str) -> &str {
    path.trim_start_matches("content/").trim_start_matches('/')
}

/// What a link to something an audience may not read is resolved to: text that no
/// Markdown destination can hold (CommonMark reads a NUL as U+FFFD), so that rendering
/// tells it from every real target and writes the link's text without the link.
pub const RESTRICTED: &str = "\0restricted";

/// The prefix that leads from the page at `url` (a folder such as `a/b/`) back to the root.
pub fn root_prefix(url: &str) -> String {
    "../".repeat(url.split('/').filter(|s| !s.is_empty()).count())
}

/// The link to the page whose folder is `url`, written from the site root.
pub fn page_href(url: &str) -> String {
    format!("{url}index.html")
}

/// `text` spelt in ASCII for a path of the site, as Zola spells it: `über` as `uber`, `日本語`
/// as `Ri Ben Yu `, what has no spelling as `-`. Each path's own rules (case, separators,
/// reserved names) then apply to what comes out.
pub fn ascii_spelling(text: &str) -> std::borrow::Cow<'_, str> {
    deunicode::deunicode_with_tofu_cow(text, "-")
}

/// `base_url` with a trailing slash, when it is an absolute http(s) URL that can be one
/// ([`base_problem`]): its host as DNS looks it up (`bücher.example` is
/// `xn--bcher-kva.example`) and its path percent-encoded where it holds what a URL may not
/// ([`NOT_IN_URL`]; an escape written already is kept), so every URL made from it (the
/// feeds', the calendar's, the sitemap's, the mails') is valid.
pub fn absolute_base(base_url: &str) -> Option<String> {
    let url = parse_absolute(base_url)?.ok()?;
    let base = utf8_percent_encode(url.as_str(), NOT_IN_URL).to_string();
    Some(if base.ends_with('/') {
        base
    } else {
        format!("{base}/")
    })
}

/// Why `base_url` cannot be one, in handbook.yaml and `--base-url` alike; `None` for an
/// absolute http(s) URL that every page's path can be added to, and for a path such as
/// `/docs/`, which only the links of a page use. Anything else (`example.com/docs`,
/// `ftp://...`) would lead nowhere and silently leave out the sitemap.
pub fn base_problem(base_url: &str) -> Option<String> {
    if let Some(absolute) = parse_absolute(base_url) {
        return absolute.err();
    }
    let path = base_url.trim();
    if path.starts_with("//") {
        Some("starts with `//`, which names a host but no scheme: write `https:` before it".into())
    } else if path.contains('\\') || path.contains(char::is_control) {
        // A browser reads `/\host` as `//host`: another site's style sheet on the 404 page.
        Some("holds a backslash or a control character, which a browser reads otherwise".into())
    } else if !path.starts_with('/') {
        Some(
            "is neither a path that starts with `/` nor an absolute http:// or https:// URL".into(),
        )
    } else if path.contains(['?', '#']) {
        Some(QUERY_OR_FRAGMENT.into())
    } else {
        None
    }
}

const QUERY_OR_FRAGMENT: &str =
    "has a query (`?`) or a fragment (`#`), after which every page's path would go";

/// `base_url` read as a URL when it starts `http://` or `https://`.
fn parse_absolute(base_url: &str) -> Option<Result<url::Url, String>> {
    let base = base_url.trim();
    let lower = base.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return None;
    }
    Some(match url::Url::parse(base) {
        Err(e) => Err(format!("is not a valid URL ({e})")),
        Ok(url) if url.query().is_some() || url.fragment().is_some() => {
            Err(QUERY_OR_FRAGMENT.into())
        }
        Ok(url) if !url.username().is_empty() || url.password().is_some() => {
            Err("holds a user name or password, which every feed and sitemap would publish".into())
        }
        Ok(url) => Ok(url),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absolute_base_is_a_valid_url_as_written() {
        assert_eq!(absolute_base("/docs/"), None);
        assert_eq!(
            absolute_base(" https://x.org/a/b;e,f:g@h[1]%20 "),
            Some("https://x.org/a/b;e,f:g@h[1]%20/".into())
        );
        assert_eq!(
            absolute_base("HTTPS://Bücher.Example:443/hb"),
            Some("https://xn--bcher-kva.example/hb/".into())
        );
        for (bad, why) in [
            ("https://x.org/hb/#top", "a fragment"),
            ("https://x.org/hb/?a=1", "a query"),
            ("https://ann:secret@x.org/", "password"),
            ("https://exa mple.org/", "not a valid URL"),
            ("http://", "not a valid URL"),
        ] {
            assert_eq!(absolute_base(bad), None, "{bad}");
            let problem = base_problem(bad).unwrap_or_default();
            assert!(problem.contains(why), "{bad}: {problem}");
        }
        assert_eq!(base_problem("/docs/"), None);
        assert_eq!(base_problem("/my docs"), None);
        assert_eq!(base_problem("https://x.org/docs"), None);
    }

    /// A base URL that is neither a path nor an absolute http(s) URL is refused, not read as
    /// a path that leads nowhere.
    #[test]
    fn a_base_is_a_path_or_an_absolute_url() {
        for (bad, why) in [
            ("example.com/handbook", "neither a path"),
            ("ftp://x y", "neither a path"),
            ("", "neither a path"),
            ("handbook/", "neither a path"),
            ("//x.org/hb", "`//`"),
            ("/hb/?v=1", "a query"),
            ("/hb#top", "a fragment"),
            ("/\\evil.example", "a backslash"),
            ("/docs\\x", "a backslash"),
            ("/hb\nx", "a control character"),
        ] {
            let problem = base_problem(bad).unwrap_or_default();
            assert!(problem.contains(why), "{bad}: {problem}");
        }
        assert_eq!(
            absolute_base("https://x.org/hand book/<é>\"{|}"),
            Some("https://x.org/hand%20book/%3C%C3%A9%3E%22%7B%7C%7D/".into())
        );
    }

    /// Whatever an id or an email holds, its link is a valid URL that still names it: only
    /// what a URL may not hold is percent-encoded, and in a `mailto:` what would start
    /// headers or another address.
    #[test]
    fn fragments_and_mail_links_encode_what_a_url_may_not_hold() {
        assert_eq!(fragment("notes-1"), "#notes-1");
        assert_eq!(
            fragment("x\"/on mouse<>#%{|}[\\]^`\t"),
            "#x%22/on%20mouse%3C%3E%23%25%7B%7C%7D%5B%5C%5D%5E%60%09"
        );
        assert_eq!(fragment("café"), "#caf%C3%A9");
        assert_eq!(
            percent_decode_str(&fragment("a \"b\" é")[1..]).decode_utf8_lossy(),
            "a \"b\" é"
        );
        assert_eq!(
            mailto(" ann.o'neil+sec@example.com "),
            "mailto:ann.o'neil+sec@example.com"
        );
        assert_eq!(
            mailto("a@b.c?cc=eve@x.y,bob@z"),
            "mailto:a@b.c%3Fcc=eve@x.y%2Cbob@z"
        );
        assert_eq!(mailto("<script>"), "mailto:%3Cscript%3E");
    }

    #[test]
    fn classify_covers_every_kind() {
        assert_eq!(classify("exception:EXC-1"), Target::Exception("EXC-1"));
        // A scheme in any letter case, as RFC 3986 reads one.
        assert_eq!(classify("Exception:EXC-1"), Target::Exception("EXC-1"));
        assert_eq!(classify("INCIDENT:INC-2"), Target::Incident("INC-2"));
        assert_eq!(classify("incident:INC-1"), Target::Incident("INC-1"));
        assert_eq!(classify("https://x.org"), Target::External("https://x.org"));
        assert_eq!(classify("mailto:a@b"), Target::External("mailto:a@b"));
        let code = |scheme| Target::Unsafe(Unsafe::Code(scheme));
        assert_eq!(classify(" JavaScript:alert(1)"), code("javascript"));
        assert_eq!(classify("java\tscript:alert(1)"), code("javascript"));
        assert_eq!(classify("VBScript:x"), code("vbscript"));
        assert_eq!(classify("data:text/html,x"), Target::Unsafe(Unsafe::Data));
        // The reader's files and file shares, by a scheme, two slashes with a backslash
        // among them, or a drive.
        for files in [
            "file:///etc/passwd",
            "SMB://host/share",
            "\\\\host\\share",
            " /\\host/x",
            "\\/host",
            "C:\\Users\\x.docx",
        ] {
            assert_eq!(classify(files), Target::Unsafe(Unsafe::Files), "{files}");
        }
        // A scheme that no sanitiser of the web keeps, as ammonia keeps none in raw HTML.
        assert_eq!(
            classify("ms-msdt:/id x"),
            Target::Unsafe(Unsafe::Scheme("ms-msdt".into()))
        );
        assert_eq!(
            classify("database:x"),
            Target::Unsafe(Unsafe::Scheme("database".into()))
        );
        for kept in ["tel:+1555", "ssh://host", "HTTPS://x.org/a:b", "//host/p"] {
            assert_eq!(classify(kept), Target::External(kept), "{kept}");
        }
        assert_eq!(
            scheme_relative("//host/p").as_deref(),
            Some("https://host/p")
        );
        assert_eq!(scheme_relative("https://host/p"), None);
        // A colon after the path starts is not a scheme's.
        assert_eq!(
            classify("notes/a:b.md").clone(),
            Target::Page {
                path: "notes/a:b.md",
                anchor: None
            }
        );
        assert_eq!(classify("#top"), Target::Anchor("top"));
        assert_eq!(
            classify("../a/b.md#x"),
            Target::Page {
                path: "../a/b.md",
                anchor: Some("x")
            }
        );
        assert_eq!(
            classify("@/a/b.md"),
            Target::Page {
                path: "/a/b.md",
                anchor: None
            }
        );
        assert_eq!(classify("@/img/a.png"), Target::File("/img/a.png"));
        assert_eq!(
            classify("@a.md"),
            Target::Page {
                path: "@a.md",
                anchor: None
            }
        );
        assert_eq!(classify("img/a.png"), Target::File("img/a.png"));
        assert_eq!(classify("//h/p.png"), Target::External("//h/p.png"));
        assert_eq!(as_followed("/\\h/x.png?a\\b"), "//h/x.png?a\\b");
        assert_eq!(as_followed("HTTPS://h\\x"), "HTTPS://h/x");
        assert_eq!(as_followed("mailto:a\\b@h"), "mailto:a\\b@h");
    }

    #[test]
    fn remote_is_any_scheme_or_two_slashes_as_a_browser_reads_them() {
        for remote in [
            "https://h/p.png",
            "HTTP://h/p.png",
            "file:///etc/passwd",
            "file://host/share/p.png",
            "//h/p.png",
            "\\\\h\\share\\p.png",
            "/\\h/p.png",
            "\\/h/p.png",
            " //h/p.png",
            "/\t/h/p.png",
            "/\n/h/p.png",
            "\u{1}//h/p.png",
            "ftp://h/p.png",
        ] {
            assert!(is_remote(remote), "{remote:?}");
        }
        for local in [
            "p.png",
            "/p.png",
            "../img/p.png",
            "./p.png",
            "#x",
            "a/b//c.png",
            "",
        ] {
            assert!(!is_remote(local), "{local:?}");
        }
    }

    #[test]
    fn decode_and_encode_are_inverse() {
        assert_eq!(decode("my%20page.md"), "my page.md");
        assert_eq!(decode("caf%C3%A9.md"), "café.md");
        assert_eq!(decode("caf%c3%a9.md"), "café.md");
        assert_eq!(decode("100%.md"), "100%.md");
        assert_eq!(decode("a%2"), "a%2");
        assert_eq!(decode("plain/a-b_c.md"), "plain/a-b_c.md");
        assert_eq!(
            encode("files/my file #1?.pdf"),
            "files/my%20file%20%231%3F.pdf"
        );
        assert_eq!(encode("café.png"), "caf%C3%A9.png");
        assert_eq!(encode("a/b-c_d.e~f.png"), "a/b-c_d.e~f.png");
        for path in ["my file.pdf", "café.png", "100%.md", "a#b?c.png"] {
            assert_eq!(decode(&encode(path)), path);
        }
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
