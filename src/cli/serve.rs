//! `secbook serve`: builds the site in memory, serves it on loopback, rebuilds when a source
//! file changes, and tells open pages what changed, so each reloads or takes its new HTML
//! only when it must. A failed rebuild keeps the last good site and shows the diagnostics
//! over the page instead of stopping the server.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::convert::Infallible;
use std::fs::{File, Metadata};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read};
use std::net::{IpAddr, SocketAddr};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use futures_util::TryStreamExt;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::body::Incoming;
use hyper::header::{
    ALLOW, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, ETAG, HOST, HeaderName, HeaderValue,
    IF_NONE_MATCH, LOCATION, X_CONTENT_TYPE_OPTIONS,
};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Version};
use hyper_util::rt::{TokioIo, TokioTimer};
use notify::event::ModifyKind;
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use rayon::prelude::*;
use tokio::io::AsyncReadExt;
use tokio::sync::watch;
use tokio_io_timeout::TimeoutStream;
use tokio_util::io::ReaderStream;

use crate::diagnostics::{self, Diagnostic, Error};
use crate::load::markdown;
use crate::load::theme::Body;
use crate::model::finding::Finding;
use crate::pipeline::{self, Options};
use crate::render::OutputFile;

/// The handbook's settings, in its folder.
const CONFIG: &str = "handbook.yaml";

/// The folders of the handbook whose files the build reads.
const SOURCE_FOLDERS: &[&str] = &["content", "data", "themes", "static"];

/// Where the live-reload script and its event stream are served; no handbook page can be
/// written there, since output paths never start with `__`.
const PREFIX: &str = "/__secbook/";

const LIVE_JS: &str = include_str!("serve_live.js");

/// How long a page's question "is there a newer build?" is held before the answer "no".
const HOLD: Duration = Duration::from_secs(20);

/// How long a client may take to send a request's headers, and how long a kept-alive
/// connection may sit idle before its next request: a half-sent request must not hold a
/// connection for ever. hyper runs this clock only while it waits for headers, so a held
/// status question (see [`HOLD`]) is not cut.
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a client may leave the server unable to write to it: one that stops reading
/// a large file is dropped, rather than hold the file open and its connection for ever.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the accept loop rests after a failed accept. At the file-descriptor limit
/// accept fails at once for as long as connections wait, so retrying at once would spin;
/// once a connection closes, the next accept succeeds.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The site as last built, what went wrong since, if anything, and the build's number:
/// replaced whole by every build, so a page and the number it carries always match.
struct State {
    files: Arc<Files>,
    /// The report of the last failed build; `None` once a build succeeds again.
    error: Option<String>,
    /// Bumped on every rebuild, so pages know when there is a newer build.
    version: u64,
    /// The paths whose files this build added, changed or removed, in path order; `None`
    /// past [`CHANGES_TOLD`]. A page that none of them touch stays as it is, and one whose
    /// own HTML alone changed takes the new HTML in place (serve_live.js).
    changed: Option<Arc<[String]>>,
    /// This server's run, so that a page of an earlier run, whose build numbers meant other
    /// builds, reloads rather than reads this run's changes.
    run: u64,
}

/// How many changed paths a build tells the pages at most: past that (a theme edit remakes
/// every page) each page reloads, which is as quick as looking through them.
const CHANGES_TOLD: usize = 1000;

/// The files of a build in path order, as the build hands them over, found by binary
/// search: a hash table was filled with a large register's 27,000 paths at every rebuild.
#[derive(Default)]
struct Files(Vec<(String, Served)>);

impl Files {
    /// The paths whose files are not the very files of `before` ([`Served::same`]), up to
    /// [`CHANGES_TOLD`] of them. Both are in path order.
    fn changed_since(&self, before: &Files) -> Option<Arc<[String]>> {
        let (old, new) = (&before.0, &self.0);
        let (mut i, mut j) = (0, 0);
        let mut changed = Vec::new();
        while i < old.len() || j < new.len() {
            let order = match (old.get(i), new.get(j)) {
                (Some((was, _)), Some((now, _))) => was.cmp(now),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            let path = match order {
                Ordering::Less => {
                    i += 1;
                    &old[i - 1].0
                }
                Ordering::Greater => {
                    j += 1;
                    &new[j - 1].0
                }
                Ordering::Equal => {
                    (i, j) = (i + 1, j + 1);
                    if old[i - 1].1.same(&new[j - 1].1) {
                        continue;
                    }
                    &new[j - 1].0
                }
            };
            if changed.len() == CHANGES_TOLD {
                return None;
            }
            changed.push(path.clone());
        }
        Some(changed.into())
    }

    /// The file at `path`, with the path.
    fn entry(&self, path: &str) -> Option<&(String, Served)> {
        let at = (self.0)
            .binary_search_by(|(p, _)| p.as_str().cmp(path))
            .ok()?;
        Some(&self.0[at])
    }

    fn contains_key(&self, path: &str) -> bool {
        self.entry(path).is_some()
    }
}

/// The latest [`State`]; the pages that wait for a newer build watch it.
type Shared = watch::Sender<Arc<State>>;

/// Serves the handbook at `options.root` on `port` of `bind`, an address or a host name,
/// until the process is stopped.
pub fn serve(mut options: Options, bind: &str, port: u16) -> Result<(), Error> {
    // The watcher reports changed paths below the folder it watches, written as that
    // folder is; an absolute root makes them match the paths the build reads.
    if let Ok(root) = options.root.canonicalize() {
        options.root = root;
    }
    let shared = Arc::new(Shared::new(Arc::new(State {
        files: Arc::default(),
        error: None,
        version: 0,
        changed: None,
        run: SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
    })));
    // A handbook with errors is served with them over its pages; a command that cannot
    // run is not served at all.
    let audience = match pipeline::audience(&options) {
        Err(e @ Error::Usage(_)) => return Err(e),
        found => found.ok().flatten(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the server: {e}")))?;
    // Bound before the first build, so that a port in use is told at once rather than
    // under the build's report.
    let listener = runtime.block_on(listen(bind, port))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::Usage(format!("cannot listen on {bind}: {e}")))?;
    let shared_preview = !is_loopback(local.ip());
    if shared_preview {
        crate::tell!(
            "warning: listening on {}, so every machine that can reach this one on port {} \
             can read the handbook; leave out --bind to keep it on this machine",
            local.ip(),
            local.port()
        );
    }
    let mut builds = Builds::default();
    // Watched from before the first build, so that a file saved while it runs is built
    // once it is done.
    let (sources, changes) = watch(&options)?;
    rebuild(&options, &shared, &mut builds, shared_preview);
    runtime.block_on(async {
        let whose = audience
            .map(|a| format!(" for the audience {a}"))
            .unwrap_or_default();
        // An address to open: bound to every address (`0.0.0.0`, `::`), the preview is
        // at localhost, where a browser sent to `0.0.0.0` would be misdirected.
        let at = match local.ip().is_unspecified() {
            true => format!("localhost:{}", local.port()),
            false => local.to_string(),
        };
        crate::tell!(
            "serving {}{whose} at http://{at}/ (Ctrl-C to stop)",
            options.root.display()
        );
        rebuild_on_change(
            &options,
            Arc::clone(&shared),
            builds,
            shared_preview,
            (sources, changes),
        );
        loop {
            let accepted = listener.accept().await;
            // The address this connection came in on: the bound one, or with 0.0.0.0 the
            // address of the interface the client used.
            let Ok((stream, local)) = accepted.and_then(|(stream, _)| {
                // Answers are written whole: waiting to fill a packet only delays them.
                stream.set_nodelay(true)?;
                let local = stream.local_addr()?;
                Ok((stream, local))
            }) else {
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            };
            let shared = Arc::clone(&shared);
            tokio::spawn(async move {
                let service = service_fn(move |request: Request<Incoming>| {
                    let shared = Arc::clone(&shared);
                    async move {
                        let refusal = misdirected(&request, local)
                            .or_else(|| cross_site(&request))
                            .or_else(|| {
                                let method = request.method();
                                (method != Method::GET && method != Method::HEAD)
                                    .then(Reply::not_allowed)
                            });
                        let reply = match refusal {
                            Some(refusal) => refusal,
                            None => {
                                let uri = request.uri();
                                answer(uri.path(), uri.query(), &shared).await
                            }
                        };
                        let held = request.headers().get(IF_NONE_MATCH);
                        Ok::<_, Infallible>(reply.into_response(held))
                    }
                });
                let mut stream = TimeoutStream::new(stream);
                stream.set_write_timeout(Some(WRITE_TIMEOUT));
                let _ = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .serve_connection(TokioIo::new(Box::pin(stream)), service)
                    .await;
            });
        }
    })
}

/// Listens on `port` of the first address `bind` names that can be listened on: an
/// address, or a host name as the system resolves it (`localhost`). An address that is not
/// this machine's cannot be listened on; one beyond loopback is warned of (see [`serve`]).
async fn listen(bind: &str, port: u16) -> Result<tokio::net::TcpListener, Error> {
    let addrs = tokio::net::lookup_host((bind, port))
        .await
        .map_err(|e| Error::Usage(format!("cannot resolve --bind {bind}: {e}")))?;
    let mut failed = None;
    for addr in addrs {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => return Ok(listener),
            Err(e) => failed = Some(format!("cannot listen on {addr}: {e}")),
        }
    }
    Err(Error::Usage(failed.unwrap_or_else(|| {
        format!("cannot listen on {bind}: it names no address")
    })))
}

/// What one rebuild hands the next: the pipeline's cache of the last build, and the
/// warnings the terminal has shown.
#[derive(Default)]
struct Builds {
    cache: pipeline::Cache,
    /// A key of each warning other than a finding of the last build that succeeded.
    warned: HashSet<u64>,
    /// The findings of that build: most of a rebuild's are the very ones kept from it.
    found: Vec<Arc<Finding>>,
    keys: ahash::RandomState,
}

/// How many new warnings a rebuild prints; `secbook check` lists the rest.
const NEW_WARNINGS_SHOWN: usize = 20;

impl Builds {
    /// The warnings of a build that the last one did not have, in order: the terminal
    /// shows those, as a large register's thousands would bury the one an edit just
    /// caused. A finding kept from the last build is not new, so only the others are
    /// compared by their text, and made diagnostics only when new: a page edit on a large
    /// register keeps its thousands of findings.
    fn new_warnings(&mut self, generated: &pipeline::Generated) -> Vec<Diagnostic> {
        let keys = &self.keys;
        let key = |code: Option<&str>, message: &str, file: Option<&str>, at: usize| {
            keys.hash_one((code, message, file, at))
        };
        let finding_key =
            |f: &Finding| key(Some(f.code), &f.message, Some(&f.source.name), f.span.start);
        let was = std::mem::take(&mut self.warned);
        let mut new = Vec::new();
        for w in &generated.warnings {
            let k = key(
                w.code,
                &w.message,
                w.file.as_ref().map(|f| &*f.name),
                w.span.start,
            );
            if self.warned.insert(k) && !was.contains(&k) {
                new.push(w.clone());
            }
        }
        let kept: HashSet<*const Finding, ahash::RandomState> =
            self.found.iter().map(Arc::as_ptr).collect();
        let mut made = (generated.unlisted.iter()).filter(|f| !kept.contains(&Arc::as_ptr(f)));
        if let Some(first) = made.next() {
            let had: HashSet<u64> = self.found.iter().map(|f| finding_key(f)).collect();
            let made = std::iter::once(first).chain(made);
            new.extend(
                made.filter(|f| !had.contains(&finding_key(f)))
                    .map(|f| f.to_diagnostic()),
            );
        }
        self.found.clone_from(&generated.unlisted);
        diagnostics::sort(&mut new);
        new
    }
}

/// The end of the line a build that succeeded prints: how many warnings, and how many of
/// them are new and shown above it.
fn warnings_told(total: usize, new: usize) -> String {
    match (total, new) {
        (0, _) => String::new(),
        (_, 0) => format!("; {total} warning(s)"),
        (_, new) if new <= NEW_WARNINGS_SHOWN => format!("; {total} warning(s), {new} new above"),
        _ => format!(
            "; {total} warning(s), {new} new, the first {NEW_WARNINGS_SHOWN} above: \
             `secbook check` lists them all"
        ),
    }
}

/// Builds in memory and swaps the result in; on failure keeps the previous site. What did
/// not change since the last build is taken from `builds`. The errors, which are the whole
/// handbook's, are shown over the pages too, unless the preview is `shared` with other
/// machines, whose readers may not read them all. Of the warnings, the terminal shows those
/// the last build did not have.
fn rebuild(options: &Options, shared: &Shared, builds: &mut Builds, shared_preview: bool) {
    let started = Instant::now();
    let result = pipeline::generate_cached(options, &mut builds.cache);
    let last = Arc::clone(&shared.borrow());
    let (files, error, built) = match result.and_then(|mut generated| {
        let files = pin_all(&options.root, std::mem::take(&mut generated.files))?;
        Ok((generated, files))
    }) {
        Ok((generated, files)) => (Arc::new(files), None, Some((generated, started.elapsed()))),
        Err(e) => {
            let report = match e {
                Error::Invalid(diags) => diags.iter().map(|d| d.render()).collect(),
                other => format!("error: {other}\n"),
            };
            crate::tell_part!("{report}");
            // Open to other machines, the errors are told only to the terminal: they are
            // the whole handbook's, and which audience's site this is may be what a broken
            // handbook.yaml no longer says.
            let shown = if shared_preview {
                let whose = match &builds.cache.audience {
                    Some(audience) => format!("the audience {audience}'s site"),
                    None => "the handbook".to_string(),
                };
                format!(
                    "The build has errors: the terminal that runs `secbook serve` lists them.\n\
                     This preview of {whose} is open to other machines, and the errors quote \
                     the whole handbook's files.\n"
                )
            } else {
                report
            };
            (Arc::clone(&last.files), Some(shown), None)
        }
    };
    let changed = files.changed_since(&last.files);
    shared.send_replace(Arc::new(State {
        files,
        error,
        version: last.version + 1,
        changed,
        run: last.run,
    }));
    // Told once the pages wait for no more: the browser reloads while the terminal shows.
    if let Some((generated, took)) = built {
        let rendered = generated.file_count - generated.reused;
        let new = builds.new_warnings(&generated);
        let shown: String = (new.iter().take(NEW_WARNINGS_SHOWN))
            .map(|w| w.render())
            .collect();
        crate::tell_part!("{shown}");
        let total = generated.warnings.len() + generated.unlisted.len();
        crate::tell!(
            "built in {:.0} ms: {rendered} files made, {} pages unchanged{}",
            took.as_secs_f64() * 1000.0,
            generated.reused,
            warnings_told(total, new.len())
        );
    }
}

/// A file of the last good build, as the server answers it.
#[derive(Clone)]
enum Served {
    Bytes(Bytes),
    /// Joined when asked for, not at each build: see [`Body::Parts`].
    Parts(Arc<[Bytes]>),
    /// A file the build copies as it is (from static/, a theme's static/ or beside a
    /// page): left on disk rather than held in memory, and sent only while it is the very
    /// file the build took, so a link or another file swapped in later is never sent.
    File(Pinned),
}

impl Served {
    /// Whether `other` is the very file `self` is: kept from the last build, or copied
    /// from the same file on disk. A file made again counts as changed even when its bytes
    /// are the same, as comparing them would cost a record edit's rebuild a reading of the
    /// exports; a page then at worst takes the same HTML again.
    fn same(&self, other: &Served) -> bool {
        match (self, other) {
            (Served::Bytes(a), Served::Bytes(b)) => a.as_ptr() == b.as_ptr() && a.len() == b.len(),
            (Served::Parts(a), Served::Parts(b)) => Arc::ptr_eq(a, b),
            (Served::File(a), Served::File(b)) => a == b,
            _ => false,
        }
    }
}

#[derive(Clone, PartialEq)]
struct Pinned {
    path: PathBuf,
    identity: Identity,
}

/// What tells a file apart from every other file, and from itself after a change: size
/// and modification time everywhere; on Unix also device, inode and change time, which no
/// one can set back.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Identity {
    len: u64,
    modified: Option<SystemTime>,
    unix: [i64; 4],
}

impl Identity {
    fn of(meta: &Metadata) -> Identity {
        #[cfg(unix)]
        let unix = {
            use std::os::unix::fs::MetadataExt;
            [
                meta.dev() as i64,
                meta.ino() as i64,
                meta.ctime(),
                meta.ctime_nsec(),
            ]
        };
        #[cfg(not(unix))]
        let unix = [0; 4];
        Identity {
            len: meta.len(),
            modified: meta.modified().ok(),
            unix,
        }
    }
}

/// Opens a file to read without ever blocking: a FIFO swapped in for a file must not
/// stall the server, and is then refused as not the file that was pinned.
fn open(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// The files of a good build (in path order, each path once, as the build's output sorts
/// them), each copied file pinned to the file found now. A copied file that changed since
/// the build listed it fails the build, which keeps the last good site; the change has
/// started another build anyway.
fn pin_all(root: &Path, files: Vec<OutputFile>) -> Result<Files, Error> {
    let pinned: Vec<Result<(String, Served), Diagnostic>> = files
        .into_par_iter()
        .map(|file| match file.body {
            Body::Bytes(bytes) => Ok((file.path, Served::Bytes(bytes))),
            Body::Parts(parts) => Ok((file.path, Served::Parts(parts))),
            Body::Copy(from) => pin(root, &from.path)
                .map(|pinned| (file.path, Served::File(pinned)))
                .map_err(|why| Diagnostic::error(format!("cannot serve {}: {why}", from.name))),
        })
        .collect();
    let diags: Vec<Diagnostic> = (pinned.iter())
        .filter_map(|entry| entry.as_ref().err().cloned())
        .collect();
    if !diags.is_empty() {
        return Err(Error::Invalid(diags));
    }
    Ok(Files(pinned.into_iter().flatten().collect()))
}

/// Pins the file at `path`: it must be a regular file inside the handbook at `root`.
/// Every check is made on the file as opened, so a link swapped in between the build's
/// walk and this check is caught too.
fn pin(root: &Path, path: &Path) -> Result<Pinned, String> {
    let meta = open(path)
        .and_then(|file| file.metadata())
        .map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    let identity = Identity::of(&meta);
    let inside = path.canonicalize().is_ok_and(|real| {
        real.starts_with(root)
            && std::fs::metadata(&real).is_ok_and(|m| Identity::of(&m) == identity)
    });
    if !inside {
        return Err("it leads outside the handbook, or changed while it was checked".into());
    }
    Ok(Pinned {
        path: path.to_path_buf(),
        identity,
    })
}

/// A pinned file opened to read, with no more than its pinned length to be read from it;
/// `None` when the file at its path is no longer the one pinned. What is read is that
/// opened file, so a file swapped in once it is checked is never read.
fn open_pinned(pinned: &Pinned) -> io::Result<Option<io::Take<File>>> {
    let file = open(&pinned.path)?;
    if Identity::of(&file.metadata()?) != pinned.identity {
        return Ok(None);
    }
    Ok(Some(file.take(pinned.identity.len)))
}

/// The paths each change touched; `None` when the watcher lost track of them, or a folder
/// was made, replaced or removed: everything is then watched and read again.
type Changes = mpsc::Receiver<Option<Vec<PathBuf>>>;

/// The watcher of the handbook's sources. A watch follows a file or folder, not its name:
/// once an editor renames a new file over `handbook.yaml` (vim, `sed -i`) or a script
/// replaces `data/`, a watch on the old one sees nothing more. So, as Zola's serve does,
/// the handbook's folder is watched alone and its events are told apart by name, and each
/// source folder is watched with all below it again whenever it is made or replaced. The
/// folder above the handbook's is watched alone too, so that the handbook's folder deleted
/// and made again is watched again.
struct Sources {
    watcher: RecommendedWatcher,
    root: PathBuf,
}

impl Sources {
    /// Watches the handbook's folder, the one above it, and the source folders there now.
    /// What cannot be watched is told, but the others are watched all the same; a folder
    /// that is not there is no error, since it is watched once it is made.
    fn watch_all(&mut self) -> Result<(), String> {
        let mut error = Ok(());
        if let Some(parent) = self.root.parent() {
            // Only to see the handbook's folder come back: a folder above that cannot be
            // watched costs nothing else.
            let _ = self.watcher.watch(parent, RecursiveMode::NonRecursive);
        }
        let folders = SOURCE_FOLDERS
            .iter()
            .map(|name| (self.root.join(name), RecursiveMode::Recursive));
        for (path, mode) in
            std::iter::once((self.root.clone(), RecursiveMode::NonRecursive)).chain(folders)
        {
            // A folder removed while it was being watched is no error either.
            if path.is_dir()
                && let Err(e) = self.watcher.watch(&path, mode)
                && path.is_dir()
                && error.is_ok()
            {
                error = Err(format!("cannot watch {}: {e}", path.display()));
            }
        }
        error
    }
}

/// What a path an event names is to the handbook at `root`.
#[derive(Debug, PartialEq)]
enum Seen {
    /// A file the build may read.
    Source,
    /// The handbook's folder or one of its source folders: made, replaced or removed.
    Folder,
    /// Anything else: the output of `secbook build`, an editor's swap file.
    Other,
}

fn seen(root: &Path, path: &Path) -> Seen {
    let Ok(inside) = path.strip_prefix(root) else {
        return Seen::Other;
    };
    let mut names = inside.iter();
    let (first, below) = (names.next(), names.next().is_some());
    let source = first.is_some_and(|f| SOURCE_FOLDERS.iter().any(|s| f == *s));
    match first {
        None => Seen::Folder,
        Some(_) if source && below => Seen::Source,
        Some(_) if source => Seen::Folder,
        Some(name) if name == CONFIG && !below => Seen::Source,
        Some(_) => Seen::Other,
    }
}

/// Watches the handbook's sources (see [`Sources`]) and git's commits for changes. Only
/// writes, creations, renames and removals count: reading a source (as every rebuild does)
/// must not start another rebuild.
fn watch(options: &Options) -> Result<(Sources, Changes), Error> {
    let (tx, rx) = mpsc::channel();
    let commits = Commits::of(&options.root);
    let folders = commits.as_ref().map_or_else(Vec::new, Commits::folders);
    let root = options.root.clone();
    let watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
        let change = match event {
            Ok(e) if e.need_rescan() => Some(None),
            Ok(e) => {
                let counts = matches!(
                    e.kind,
                    EventKind::Create(_)
                        | EventKind::Remove(_)
                        | EventKind::Modify(
                            ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any
                        )
                        | EventKind::Any
                );
                let mut paths = Vec::new();
                let mut folder = false;
                for path in e.paths.into_iter().filter(|_| counts) {
                    match commits.as_ref().and_then(|c| c.moves(&path)) {
                        Some(true) => paths.push(path),
                        Some(false) => {}
                        None => match seen(&root, &path) {
                            Seen::Source => paths.push(path),
                            Seen::Folder => folder = true,
                            Seen::Other => {}
                        },
                    }
                }
                match (folder, paths.is_empty()) {
                    (true, _) => Some(None),
                    (false, true) => None,
                    (false, false) => Some(Some(paths)),
                }
            }
            Err(_) => Some(None),
        };
        if let Some(change) = change {
            let _ = tx.send(change);
        }
    })
    .map_err(|e| Error::Usage(format!("cannot watch for changes: {e}")))?;
    let mut sources = Sources {
        watcher,
        root: options.root.clone(),
    };
    sources.watch_all().map_err(Error::Usage)?;
    for (path, mode) in folders {
        // A folder git has not made yet (no branch has a commit) is no error.
        if path.is_dir() {
            sources
                .watcher
                .watch(&path, mode)
                .map_err(|e| Error::Usage(format!("cannot watch {}: {e}", path.display())))?;
        }
    }
    Ok((sources, rx))
}

/// How long the sources must be left alone before a rebuild: an editor's save is several
/// events, and a program may write a file in parts, whose first part alone must not be
/// built and served as a good build. 5 ms let a file written in two parts 10 ms apart be
/// served half written; 40 ms took a page edit on the large register from 67 to 106 ms,
/// from save to page, past the 100 ms it may take.
const QUIET: Duration = Duration::from_millis(25);

/// How long a rebuild waits at most for the changes to stop: files written without pause
/// (a checkout, a long copy) are built at least this often.
const BURST_MOST: Duration = Duration::from_millis(500);

/// Rebuilds after each burst of changes (see [`QUIET`]), on a thread of its own. A burst that made,
/// replaced or removed a folder, or that the watcher lost track of, watches the folders
/// again first and reads everything again: what was written in a new folder before it was
/// watched was never told.
fn rebuild_on_change(
    options: &Options,
    shared: Arc<Shared>,
    mut builds: Builds,
    shared_preview: bool,
    (mut sources, rx): (Sources, Changes),
) {
    let options = options.clone();
    thread::spawn(move || {
        while let Ok(first) = rx.recv() {
            let mut burst = vec![first];
            let started = Instant::now();
            while let Some(left) = BURST_MOST.checked_sub(started.elapsed()) {
                match rx.recv_timeout(QUIET.min(left)) {
                    Ok(change) => burst.push(change),
                    Err(_) => break,
                }
            }
            let mut changed: Option<HashSet<PathBuf>> = Some(HashSet::new());
            for change in burst {
                match (change, &mut changed) {
                    (Some(paths), Some(all)) => all.extend(paths),
                    _ => changed = None,
                }
            }
            match changed {
                Some(paths) => builds.cache.changed(paths),
                None => {
                    if let Err(e) = sources.watch_all() {
                        crate::tell!("warning: {e}; changes there are not seen");
                    }
                }
            }
            // A bug that panics on some input must not stop the server's rebuilds: the site
            // served stays the last one built, and the next change builds afresh, as what
            // was kept may be half made.
            let built = panic::catch_unwind(AssertUnwindSafe(|| {
                rebuild(&options, &shared, &mut builds, shared_preview)
            }));
            if built.is_err() {
                builds = Builds::default();
                crate::tell!(
                    "error: this build stopped on a bug of secbook, told above; the site served \
                     is the last one built, and the next change builds it again"
                );
            }
        }
    });
}

/// Where a commit shows in the files of the repository that holds the handbook: HEAD in
/// its git folder, and the branches (`refs/heads/`, or `packed-refs` once git packs them)
/// in the folder its worktrees share. A commit changes the records' history (SPEC 14)
/// without touching a file of the handbook, and git writes many other files beside these
/// (its index at every `git status`), which must not rebuild the site.
struct Commits {
    git_dir: PathBuf,
    common_dir: PathBuf,
}

impl Commits {
    /// The repository's folders, as the watcher reports them: resolved, as `root` may be
    /// relative. `None` outside a repository.
    fn of(root: &Path) -> Option<Commits> {
        let mut repo = crate::load::git::Repo::discover(root).ok()?.ok()?;
        Some(Commits {
            git_dir: repo.git_dir().canonicalize().ok()?,
            common_dir: repo.common_dir().ok()?.canonicalize().ok()?,
        })
    }

    fn branches(&self) -> PathBuf {
        self.common_dir.join("refs").join("heads")
    }

    /// The folders to watch: the git folders alone, and the branches below.
    fn folders(&self) -> Vec<(PathBuf, RecursiveMode)> {
        vec![
            (self.git_dir.clone(), RecursiveMode::NonRecursive),
            (self.common_dir.clone(), RecursiveMode::NonRecursive),
            (self.branches(), RecursiveMode::Recursive),
        ]
    }

    /// Whether `path` is one of the repository's files, and then whether it moves HEAD
    /// or a branch; a file git is still writing ends in `.lock`, and is renamed over the
    /// ref when done.
    fn moves(&self, path: &Path) -> Option<bool> {
        if !path.starts_with(&self.git_dir) && !path.starts_with(&self.common_dir) {
            return None;
        }
        let branches = self.branches();
        Some(
            path == self.git_dir.join("HEAD")
                || path == self.common_dir.join("packed-refs")
                || (path.starts_with(&branches) && path.extension().is_none_or(|e| e != "lock")),
        )
    }
}

/// What the server sends back: every answer is ready at once or waits for a build, so one
/// thread serves every connection.
struct Reply {
    status: u16,
    content_type: &'static str,
    body: Content,
    /// Whether the browser may keep the body and ask again with its [`etag`].
    revalidated: bool,
    /// A header of its own: where a redirect sends the browser, the methods a refusal of
    /// one takes.
    header: Option<(HeaderName, HeaderValue)>,
}

impl Reply {
    fn new(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Reply {
        Reply {
            status,
            content_type,
            body: Content::Bytes(body.into()),
            revalidated: false,
            header: None,
        }
    }

    /// Sends the browser to `location` for this request, and for this request only: what
    /// a path names can change with the next build.
    fn found(location: HeaderValue) -> Reply {
        Reply {
            header: Some((LOCATION, location)),
            ..Reply::new(302, "text/plain; charset=utf-8", "")
        }
    }

    /// The refusal of a method other than GET and HEAD: the preview only sends files, and
    /// answering a POST or a DELETE with one told the sender it had done something.
    fn not_allowed() -> Reply {
        Reply {
            header: Some((ALLOW, HeaderValue::from_static("GET, HEAD"))),
            ..Reply::new(
                405,
                "text/plain; charset=utf-8",
                "method not allowed: the preview answers GET and HEAD\n",
            )
        }
    }

    /// A pinned file's answer, read as the connection takes it (see [`Content::File`]).
    fn file(content_type: &'static str, file: io::Take<File>, pinned: &Pinned) -> Reply {
        Reply {
            body: Content::File {
                file,
                tag: format!("\"{:016x}\"", ETAG_KEYS.hash_one(&pinned.identity)),
            },
            ..Reply::new(200, content_type, "")
        }
    }

    /// A file of the site: a page's reload asks again for its style sheet and scripts,
    /// which a rebuild seldom changes, and is told "not modified" rather than sent them.
    fn revalidated(self) -> Reply {
        Reply {
            revalidated: true,
            ..self
        }
    }

    /// The response, "not modified" when `held` (the request's `If-None-Match`) names
    /// the body's tag. Anything else is never stored: a status answer or an error is
    /// true only of the moment it was asked.
    fn into_response(self, held: Option<&HeaderValue>) -> hyper::Response<Sent> {
        let tag = self.revalidated.then(|| match &self.body {
            Content::Bytes(bytes) => etag([bytes]),
            Content::Parts(parts) => etag(parts.iter()),
            Content::File { tag, .. } => tag.clone(),
        });
        let fresh = tag.as_ref().is_some_and(|tag| names_tag(held, tag));
        let (status, body, length) = if fresh {
            (hyper::StatusCode::NOT_MODIFIED, Sent::default(), None)
        } else {
            let status = hyper::StatusCode::from_u16(self.status);
            let (body, length) = match self.body {
                Content::Bytes(bytes) => (full(bytes), None),
                Content::Parts(parts) => {
                    let length = parts.iter().map(|p| p.len() as u64).sum();
                    let frames = Chunks { parts, next: 0 }.map(|chunk| Ok(Frame::data(chunk)));
                    (
                        StreamBody::new(futures_util::stream::iter(frames)).boxed_unsync(),
                        Some(length),
                    )
                }
                Content::File { file, .. } => {
                    let length = file.limit();
                    let file =
                        AsyncReadExt::take(tokio::fs::File::from_std(file.into_inner()), length);
                    let chunks = ReaderStream::with_capacity(file, FILE_CHUNK);
                    (
                        StreamBody::new(chunks.map_ok(Frame::data)).boxed_unsync(),
                        Some(length),
                    )
                }
            };
            (status.unwrap_or(hyper::StatusCode::OK), body, length)
        };
        let mut response = hyper::Response::new(body);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        // A 304 carries no body, so none of its metadata (RFC 9110, 15.4.5).
        if !fresh {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        }
        // A streamed body's length is not known to hyper, which would send it in chunks
        // instead: a download then shows no progress, and a cut one looks whole.
        if let Some(length) = length {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
        }
        // No page of another origin may embed the answer, even where the browser sends
        // no `Sec-Fetch-Site` (see [`cross_site`]), nor use it as another type than sent.
        headers.insert(
            HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("same-origin"),
        );
        headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        if let Some((name, value)) = self.header {
            headers.insert(name, value);
        }
        match tag.and_then(|tag| HeaderValue::from_str(&tag).ok()) {
            Some(tag) => {
                headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                headers.insert(ETAG, tag);
            }
            None => {
                headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            }
        }
        response
    }
}

/// The body of an answer: held in memory, or a file read as it is sent.
enum Content {
    Bytes(Bytes),
    /// A file the build made in parts (see [`Served::Parts`]), sent a chunk at a time:
    /// joined for each request, a large export asked for by many clients that do not
    /// read took a copy each, a gigabyte for a hundred.
    Parts(Arc<[Bytes]>),
    /// A pinned file, opened and checked, read a chunk at a time as the connection takes
    /// it: read whole for every request, one large file asked for by many clients that do
    /// not read took gigabytes. Its tag is its [`Identity`]'s, which changes with it.
    File {
        file: io::Take<File>,
        tag: String,
    },
}

/// The parts of a file as chunks to send: a part of [`FILE_CHUNK`] or more as it is, and
/// smaller ones (a registry's rows) joined up to that size, so a record's part is not a
/// write of its own.
struct Chunks {
    parts: Arc<[Bytes]>,
    next: usize,
}

impl Iterator for Chunks {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        let first = self.parts.get(self.next)?;
        self.next += 1;
        if first.len() >= FILE_CHUNK {
            return Some(first.clone());
        }
        let mut chunk = first.to_vec();
        while let Some(part) = self.parts.get(self.next)
            && chunk.len() + part.len() <= FILE_CHUNK
        {
            chunk.extend_from_slice(part);
            self.next += 1;
        }
        Some(Bytes::from(chunk))
    }
}

/// What an answer's body is to hyper: bytes in memory or a file read as it is sent.
type Sent = UnsyncBoxBody<Bytes, io::Error>;

fn full(bytes: Bytes) -> Sent {
    Full::new(bytes)
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// How much of a file is read at a time as it is sent.
const FILE_CHUNK: usize = 64 * 1024;

/// The keys of the hash that makes tags: fixed, so a tag is the same in every build.
const ETAG_KEYS: ahash::RandomState = ahash::RandomState::with_seeds(1, 2, 3, 4);

/// A strong tag of the body made of `parts`: the same parts get the same tag in every
/// build of one server.
fn etag<'a>(parts: impl IntoIterator<Item = &'a Bytes>) -> String {
    let mut hasher = ETAG_KEYS.build_hasher();
    for part in parts {
        hasher.write(part);
    }
    format!("\"{:016x}\"", hasher.finish())
}

/// Whether the `If-None-Match` value `held` names `tag`, or any tag (`*`).
fn names_tag(held: Option<&HeaderValue>, tag: &str) -> bool {
    let Some(held) = held.and_then(|h| h.to_str().ok()) else {
        return false;
    };
    held.split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == tag || t == "*")
}

/// The refusal of a request sent to a name other than this machine's, `None` for one to
/// answer. A web page elsewhere can rebind its own name to 127.0.0.1 and so reach this
/// server, but its requests still carry that name (in `Host`, or in an absolute URL): only
/// a loopback name or address, or the address the connection came in on, with this port
/// or none, is answered. A request without `Host` cannot come from a browser, which always
/// sends it, so HTTP/1.0 may leave it out; HTTP/1.1 requires it.
fn misdirected<B>(request: &Request<B>, local: SocketAddr) -> Option<Reply> {
    let hosts: Vec<&[u8]> = request
        .headers()
        .get_all(HOST)
        .iter()
        .map(|h| h.as_bytes())
        .chain(request.uri().authority().map(|a| a.as_str().as_bytes()))
        .collect();
    if hosts.is_empty() && request.version() >= Version::HTTP_11 {
        return Some(Reply::new(
            400,
            "text/plain; charset=utf-8",
            "an HTTP/1.1 request needs a Host header, such as Host: localhost\n",
        ));
    }
    let allowed = |host: &[u8]| std::str::from_utf8(host).is_ok_and(|host| local_host(host, local));
    (!hosts.iter().all(|h| allowed(h))).then(|| {
        Reply::new(
            421,
            "text/plain; charset=utf-8",
            format!(
                "misdirected request: this preview answers only for localhost, a loopback \
                 address or {}\n",
                local.ip()
            ),
        )
    })
}

/// The refusal of a request that a page of another site made for anything but a
/// navigation to the preview, `None` for one to answer. Such a page can load any file here
/// as a script (`<script src>` is not held to the same-origin policy) and read what it
/// sets, such as the search index's `window.SECBOOK_SEARCH`: the attack of
/// webpack-dev-server's CVE-2025-30359. A browser tells where a request comes from in
/// `Sec-Fetch-Site`: `same-origin` from the preview's own pages, `none` when the address
/// was typed. `same-site` is refused too, since it is any other port of localhost: another
/// local server's page. A navigation shows the page to the person and no other site
/// reads it, so links from elsewhere still work. A client that sends no such header is
/// answered; a browser that does not still honours `Cross-Origin-Resource-Policy`, which
/// every answer carries (see [`Reply::into_response`]).
fn cross_site<B>(request: &Request<B>) -> Option<Reply> {
    let header = |name: &str| request.headers().get(name).map(HeaderValue::as_bytes);
    let site = header("sec-fetch-site")?;
    let other = [&b"cross-site"[..], b"same-site"]
        .iter()
        .any(|s| site.eq_ignore_ascii_case(s));
    let navigation = header("sec-fetch-mode").is_some_and(|m| m.eq_ignore_ascii_case(b"navigate"));
    (other && !navigation).then(|| {
        Reply::new(
            403,
            "text/plain; charset=utf-8",
            "forbidden: the preview's files are not served to pages of other sites\n",
        )
    })
}

/// Whether `host` (`name`, `name:port`, `[v6]:port`) names this machine and port: see
/// [`misdirected`].
fn local_host(host: &str, local: SocketAddr) -> bool {
    let bracketed = host.strip_prefix('[').and_then(|h| h.split_once(']'));
    let (name, port) = match bracketed {
        Some(split) => split,
        None => host.split_at(host.find(':').unwrap_or(host.len())),
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|p| p.parse::<u16>().ok())
            == Some(local.port());
    let name = name.to_ascii_lowercase();
    let name_ok = match name.parse::<IpAddr>() {
        Ok(ip) => is_loopback(ip) || ip.to_canonical() == local.ip().to_canonical(),
        Err(_) => {
            bracketed.is_none()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
                && (name == "localhost" || name.ends_with(".localhost"))
        }
    };
    port_ok && name_ok
}

/// Whether `ip` stays on this machine, IPv4 addresses written as IPv6 included.
fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

async fn answer(url: &str, query: Option<&str>, shared: &Shared) -> Reply {
    match url.strip_prefix(PREFIX) {
        Some("live.js") => Reply::new(200, "text/javascript; charset=utf-8", LIVE_JS).revalidated(),
        Some("status") => {
            // `after=N`: the page has build N; hold the answer until there is a newer one,
            // so a save shows at once rather than at the page's next question.
            let after = query
                .into_iter()
                .flat_map(|q| q.split('&'))
                .find_map(|pair| pair.strip_prefix("after="))
                .and_then(|n| n.parse::<u64>().ok());
            if let Some(after) = after {
                let mut latest = shared.subscribe();
                let _ = tokio::time::timeout(HOLD, latest.wait_for(|s| s.version > after)).await;
            }
            Reply::new(200, "application/json", status_json(&shared.borrow()))
        }
        // Browsers ask every server for an icon; a site without one answers "no content"
        // rather than an error in the console.
        None if url == "/favicon.ico" && !shared.borrow().files.contains_key("favicon.ico") => {
            Reply::new(204, "text/plain", "")
        }
        _ => serve_file(url, query, shared),
    }
}

fn status_json(state: &State) -> String {
    serde_json::json!({
        "version": state.version,
        "error": state.error,
        "changed": state.changed,
        "run": state.run,
    })
    .to_string()
}

fn serve_file(url: &str, query: Option<&str>, shared: &Shared) -> Reply {
    let mut path = crate::model::links::decode(url.trim_start_matches('/')).into_owned();
    if path.is_empty() || path.ends_with('/') {
        path.push_str("index.html");
    }
    let state = Arc::clone(&shared.borrow());
    let found = state.files.entry(&path);
    // A folder asked for without its slash: its page's relative links resolve against
    // the folder only once the address ends in one, so the browser is sent there, as a
    // static host does. The address is relative to the one asked for, and starts with
    // "./", so no name in it can make it another site's (`//host`, `/\host`, `a:b`).
    if found.is_none() && state.files.contains_key(&format!("{path}/index.html")) {
        let name = url.rsplit('/').next().unwrap_or_default();
        let query = query.map(|q| format!("?{q}")).unwrap_or_default();
        if let Ok(location) = HeaderValue::from_str(&format!("./{name}/{query}")) {
            return Reply::found(location);
        }
    }
    let (status, file, body) = match found
        .map(|(file, b)| (200, Some(file.as_str()), b))
        .or_else(|| state.files.entry("404.html").map(|(_, b)| (404, None, b)))
    {
        Some(found) => found,
        // No site built yet, for the build has errors: a page that shows them, and reloads
        // once a build succeeds.
        None if state.error.is_some() => {
            let page = "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
                        <title>The build has errors</title>\n</head>\n<body>\n<p>No site is \
                        built yet: the build has errors.</p>\n</body>\n</html>\n";
            let bytes = inject(page.as_bytes().to_vec(), &state, None);
            return Reply::new(503, "text/html; charset=utf-8", bytes);
        }
        None => return Reply::new(404, "text/plain; charset=utf-8", "not found"),
    };
    let content_type = content_type(&path, status);
    let html = content_type.starts_with("text/html");
    let bytes = match body {
        Served::Bytes(b) => b.clone(),
        Served::Parts(parts) if html => Bytes::from(parts.concat()),
        Served::Parts(parts) => {
            return Reply {
                body: Content::Parts(Arc::clone(parts)),
                ..Reply::new(status, content_type, "")
            }
            .revalidated();
        }
        Served::File(pinned) => match open_pinned(pinned) {
            // A page is read whole, to take the reload script.
            Ok(Some(mut file)) if html => {
                let mut bytes = Vec::new();
                match file.read_to_end(&mut bytes) {
                    Ok(_) => Bytes::from(bytes),
                    Err(e) => return cannot_read(url, pinned, &e),
                }
            }
            Ok(Some(file)) => return Reply::file(content_type, file, pinned).revalidated(),
            Ok(None) => {
                return Reply::new(
                    409,
                    "text/plain; charset=utf-8",
                    format!(
                        "{url} changed since the last good build; it is served again once a \
                         build succeeds"
                    ),
                );
            }
            Err(e) => return cannot_read(url, pinned, &e),
        },
    };
    let bytes = if html {
        Bytes::from(inject(bytes.to_vec(), &state, file))
    } else {
        bytes
    };
    let reply = Reply::new(status, content_type, bytes);
    if status == 200 {
        reply.revalidated()
    } else {
        reply
    }
}

/// A file of the site that could not be read, named by its address: its place on disk is
/// the terminal's to tell, not every client's.
fn cannot_read(url: &str, pinned: &Pinned, e: &io::Error) -> Reply {
    crate::tell!("warning: cannot read {}: {e}", pinned.path.display());
    Reply::new(
        500,
        "text/plain; charset=utf-8",
        format!("cannot read {url}: {}", e.kind()),
    )
}

/// Adds the live-reload script to a page, only when served: built files never carry it.
/// It carries the build and the run that served the page, and the `file` it is, which a
/// page of the 404 file is not.
fn inject(mut html: Vec<u8>, state: &State, file: Option<&str>) -> Vec<u8> {
    let file = file
        .map(|f| format!(" data-file=\"{}\"", markdown::escape_html(f)))
        .unwrap_or_default();
    let tag = format!(
        "<script src=\"{PREFIX}live.js\" data-version=\"{}\" data-run=\"{}\"{file} async></script>",
        state.version, state.run
    );
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    html.splice(at..at, tag.into_bytes());
    html
}

/// The type of the file at `path`, as mime_guess (Zola's choice too) knows it from the
/// extension in any case: a module script (`.mjs`), a WebAssembly module or a font the
/// browser refuses as `application/octet-stream`. The build writes text as UTF-8, and
/// JavaScript and XML under the types RFC 9239 and RFC 7303 name.
fn content_type(path: &str, status: u16) -> &'static str {
    if status == 404 {
        return "text/html; charset=utf-8";
    }
    let guessed = mime_guess::from_path(path).first_raw();
    match guessed.unwrap_or("application/octet-stream") {
        "text/html" => "text/html; charset=utf-8",
        "text/css" => "text/css; charset=utf-8",
        "text/javascript" | "application/javascript" => "text/javascript; charset=utf-8",
        "text/xml" => "application/xml",
        "text/calendar" => "text/calendar; charset=utf-8",
        "text/csv" => "text/csv; charset=utf-8",
        "text/plain" => "text/plain; charset=utf-8",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_goes_before_the_body_ends() {
        let state = State {
            files: Arc::default(),
            error: None,
            version: 3,
            changed: None,
            run: 7,
        };
        let html = |file| {
            String::from_utf8(inject(
                b"<html><body>x</BODY></html>".to_vec(),
                &state,
                file,
            ))
            .unwrap()
        };
        let page = html(Some("a \"b\"/index.html"));
        assert!(
            page.contains(
                "x<script src=\"/__secbook/live.js\" data-version=\"3\" data-run=\"7\" \
                 data-file=\"a &quot;b&quot;/index.html\" async></script></BODY>"
            ),
            "{page}"
        );
        let missing = html(None);
        assert!(
            missing.contains("data-run=\"7\" async></script></BODY>"),
            "{missing}"
        );
    }

    /// What a page learns of a build: the files it added, made again or removed, and
    /// nothing past the limit.
    #[test]
    fn a_build_tells_the_paths_whose_files_differ() {
        let bytes = |s: &str| Served::Bytes(Bytes::from(s.as_bytes().to_vec()));
        let parts = || Served::Parts(vec![Bytes::from("[1]")].into());
        let (kept, kept_parts) = (bytes("kept"), parts());
        // Made again with the same bytes: b and c; removed: d; added: e.
        let before = Files(vec![
            ("a.html".into(), kept.clone()),
            ("b.json".into(), parts()),
            ("c.html".into(), bytes("same")),
            ("d.json".into(), parts()),
            ("f.json".into(), kept_parts.clone()),
        ]);
        let after = Files(vec![
            ("a.html".into(), kept),
            ("b.json".into(), parts()),
            ("c.html".into(), bytes("same")),
            ("e.html".into(), bytes("added")),
            ("f.json".into(), kept_parts),
        ]);
        let changed = after.changed_since(&before).unwrap();
        assert_eq!(&*changed, ["b.json", "c.html", "d.json", "e.html"]);
        assert_eq!(before.changed_since(&before).unwrap().len(), 0);
        let many = |n: usize| {
            Files(
                (0..n)
                    .map(|i| (format!("{i:05}.html"), bytes("x")))
                    .collect(),
            )
        };
        let told = many(CHANGES_TOLD).changed_since(&Files::default());
        assert_eq!(told.map(|c| c.len()), Some(CHANGES_TOLD));
        assert!(
            many(CHANGES_TOLD + 1)
                .changed_since(&Files::default())
                .is_none()
        );
    }

    #[test]
    fn hosts_that_name_this_machine() {
        let loopback: SocketAddr = "127.0.0.1:1111".parse().unwrap();
        let lan: SocketAddr = "192.168.1.5:1111".parse().unwrap();
        let lan_as_v6: SocketAddr = "[::ffff:192.168.1.5]:1111".parse().unwrap();
        for host in [
            "localhost",
            "LOCALHOST:1111",
            "docs.localhost:1111",
            "127.0.0.1",
            "127.200.0.1:1111",
            "[::1]",
            "[::1]:1111",
            "[::ffff:127.0.0.1]:1111",
        ] {
            assert!(local_host(host, loopback), "{host}");
            assert!(local_host(host, lan), "{host}");
        }
        // The address the connection came in on, as the client wrote it.
        assert!(local_host("192.168.1.5:1111", lan));
        assert!(local_host("192.168.1.5", lan_as_v6));
        assert!(local_host("[::ffff:192.168.1.5]:1111", lan));
        for host in [
            "192.168.1.5:1111",
            "192.168.1.6:1111",
            "0.0.0.0:1111",
            "localhost:1112",
            "localhost:",
            "localhost:+1111",
            "[localhost]:1111",
            "[::1",
            "local_host.localhost",
            "evil.com@localhost",
            "localhost.evil.com",
            "127.0.0.1.evil.com",
            "2130706433",
        ] {
            assert!(!local_host(host, loopback), "{host}");
        }
        assert!(!local_host("192.168.1.6:1111", lan));
    }

    #[cfg(unix)]
    #[test]
    fn only_a_regular_file_inside_the_handbook_is_pinned() {
        use std::os::unix::fs::symlink;
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "secret").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("a.txt"), "a").unwrap();
        symlink(root.join("a.txt"), root.join("inside")).unwrap();
        symlink(outside.path().join("secret"), root.join("outside")).unwrap();

        assert!(pin(&root, &root.join("inside")).is_ok());
        let refused = pin(&root, &root.join("outside")).err().unwrap();
        assert!(refused.contains("outside the handbook"), "{refused}");
        let refused = pin(&root, &root).err().unwrap();
        assert!(refused.contains("not a regular file"), "{refused}");

        let read_pinned = |pinned: &Pinned| {
            open_pinned(pinned).map(|file| {
                file.map(|mut file| {
                    let mut bytes = Vec::new();
                    file.read_to_end(&mut bytes).unwrap();
                    bytes
                })
            })
        };
        let pinned = pin(&root, &root.join("a.txt")).unwrap();
        assert_eq!(read_pinned(&pinned).unwrap().unwrap(), b"a");
        // Rewritten in place: no longer the file that was pinned.
        std::thread::sleep(Duration::from_millis(10));
        std::fs::write(root.join("a.txt"), "b").unwrap();
        assert_eq!(read_pinned(&pinned).unwrap(), None);

        // A FIFO swapped in is refused, without waiting for a writer that never comes.
        let pinned = pin(&root, &root.join("a.txt")).unwrap();
        std::fs::remove_file(root.join("a.txt")).unwrap();
        let fifo = std::ffi::CString::new(root.join("a.txt").into_os_string().into_encoded_bytes())
            .unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let opened = open_pinned(&pinned).map(|file| file.map(|_| ()));
            tx.send(opened.map_err(|e| e.to_string()))
        });
        let read = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("reading a FIFO blocked");
        assert_eq!(read, Ok(None));
    }

    #[test]
    fn events_are_told_apart_by_name() {
        let root = Path::new("/h/book");
        for (path, expected) in [
            ("/h/book", Seen::Folder),
            ("/h/book/data", Seen::Folder),
            ("/h/book/static", Seen::Folder),
            ("/h/book/handbook.yaml", Seen::Source),
            ("/h/book/content/a.md", Seen::Source),
            ("/h/book/themes/t/page.html", Seen::Source),
            ("/h/book/handbook.yaml.swp", Seen::Other),
            ("/h/book/handbook.yaml/x", Seen::Other),
            ("/h/book/site/index.html", Seen::Other),
            ("/h/book/4913", Seen::Other),
            ("/h/other", Seen::Other),
            ("/h/book2/content/a.md", Seen::Other),
        ] {
            assert_eq!(seen(root, Path::new(path)), expected, "{path}");
        }
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(crate::model::links::decode("a%20b/%zz"), "a b/%zz");
    }
}
