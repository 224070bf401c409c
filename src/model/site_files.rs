//! The files every build writes from the handbook as a whole (SPEC 8), at the same paths in
//! every site: the renderers write them there, and a page may link to them by those paths.

pub const HOME: &str = "index.html";
pub const EXCEPTIONS: &str = "exceptions/index.html";
pub const INCIDENTS: &str = "incidents/index.html";
pub const ACTION_ITEMS: &str = "action-items/index.html";
pub const OWNERS: &str = "owners/index.html";
pub const METRICS: &str = "metrics/index.html";
pub const STATUS: &str = "status/index.html";
pub const AUDIT: &str = "audit/index.html";
pub const SEARCH: &str = "search/index.html";
pub const API_EXCEPTIONS: &str = "api/exceptions.json";
pub const API_INCIDENTS: &str = "api/incidents.json";
pub const API_METRICS: &str = "api/metrics.json";
pub const API_FINDINGS: &str = "api/findings.json";
pub const TRACKER_CSV: &str = "exports/exceptions.csv";
pub const POAM: &str = "exports/poam.json";
pub const EXCEPTIONS_FEED: &str = "feeds/exceptions.xml";
pub const INCIDENTS_FEED: &str = "feeds/incidents.xml";
pub const CALENDAR: &str = "calendar/exceptions.ics";

/// The files above that every site holds, whoever it is for: a page may link to them.
/// Not [`POAM`], written only when an exception is approved or pending; nor sitemap.xml,
/// written only with an absolute base_url; nor 404.html, which is for a host to serve.
pub const LINKABLE: [&str; 17] = [
    HOME,
    EXCEPTIONS,
    INCIDENTS,
    ACTION_ITEMS,
    OWNERS,
    METRICS,
    STATUS,
    AUDIT,
    SEARCH,
    API_EXCEPTIONS,
    API_INCIDENTS,
    API_METRICS,
    API_FINDINGS,
    TRACKER_CSV,
    EXCEPTIONS_FEED,
    INCIDENTS_FEED,
    CALENDAR,
];

/// The file of [`LINKABLE`] that `path`, a path in the site, names: a folder (`status`,
/// `status/`, the root `""`) names its index.html, as a web server serves it.
pub fn linkable(path: &str) -> Option<&'static str> {
    let path = path.trim_end_matches('/');
    LINKABLE.into_iter().find(|file| {
        *file == path
            || file
                .strip_suffix("index.html")
                .is_some_and(|folder| folder.trim_end_matches('/') == path)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_names_its_index() {
        for (path, file) in [
            ("", HOME),
            ("index.html", HOME),
            ("exceptions", EXCEPTIONS),
            ("exceptions/", EXCEPTIONS),
            ("exceptions/index.html", EXCEPTIONS),
            ("status", STATUS),
            ("api/metrics.json", API_METRICS),
        ] {
            assert_eq!(linkable(path), Some(file), "{path}");
        }
        for path in [
            "api",
            "exceptions/EXC-001",
            "exports",
            "sitemap.xml",
            "404.html",
            POAM,
        ] {
            assert_eq!(linkable(path), None, "{path}");
        }
    }
}
