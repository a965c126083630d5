//! `lede serve`: build the site in memory, serve it over HTTP, rebuild on every change and
//! reload the open pages.
//!
//! Correctness comes from doing nothing clever: every batch of changes re-runs the whole
//! pipeline ([`build::render_site`]) in memory. When it passes, its outputs and the static
//! files become the new [`Snapshot`], swapped in whole; when it fails, the last good snapshot
//! stays and every served page shows the errors in an overlay. Requests are answered from the
//! snapshot's map of output paths, so a path outside the site (`..`, an absolute path, a
//! symlink) has nothing to resolve to. The reload script and the overlay are added to HTML
//! as it is sent, never to the snapshot, so the bytes served are those of a fresh full build.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use crate::build;
use crate::diagnostics::{Diagnostic, Diagnostics, Severity};
use crate::http;
use crate::watch::{self, Batch, Debounce, WatchHandle};

/// The port tried first when none is given; the next free one is taken if it is busy.
pub const DEFAULT_PORT: u16 = 1111;
/// How many ports after [`DEFAULT_PORT`] are tried.
const PORT_TRIES: u16 = 100;
/// The Server-Sent Events stream that tells open pages to reload.
pub const EVENTS_PATH: &str = "/__lede/events";
/// At most this many open event streams (each holds a thread).
const MAX_STREAMS: usize = 256;
/// An event stream sends a comment this often, so dead connections are noticed.
const KEEPALIVE: Duration = Duration::from_secs(15);

/// Bytes shared between snapshots and responses without copying.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bytes(pub Arc<Vec<u8>>);

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// One complete, error-free build of the site: output path (`figures/index.html`) → bytes,
/// pages and static files alike, exactly what `lede build` would write.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub files: BTreeMap<String, Bytes>,
}

impl Snapshot {
    /// Renders `root` in memory; the diagnostics (errors and warnings) come back either way.
    pub fn build(root: &Path) -> (Option<Snapshot>, Diagnostics) {
        let rendered = build::render_site(root);
        let mut diags = rendered.diags;
        if diags.has_errors() {
            return (None, diags);
        }
        let mut files = BTreeMap::new();
        for o in rendered.outputs {
            files.insert(o.path, Bytes(Arc::new(o.bytes)));
        }
        for s in rendered.statics {
            match std::fs::read(&s.abs) {
                Ok(bytes) => {
                    files.insert(s.rel, Bytes(Arc::new(bytes)));
                }
                Err(e) => diags.push(Diagnostic::error(
                    Path::new(crate::load::STATIC_DIR).join(&s.rel),
                    1,
                    format!("cannot read the file: {e}"),
                )),
            }
        }
        if diags.has_errors() {
            return (None, diags);
        }
        (Some(Snapshot { files }), diags)
    }

    pub fn get(&self, path: &str) -> Option<&Bytes> {
        self.files.get(path)
    }

    /// Paths added, removed or changed from `old` to `self`, sorted.
    pub fn changed_since(&self, old: Option<&Snapshot>) -> Vec<String> {
        let Some(old) = old else {
            return self.files.keys().cloned().collect();
        };
        let mut changed: Vec<String> = self
            .files
            .iter()
            .filter(|(k, v)| old.files.get(*k) != Some(v))
            .map(|(k, _)| k.clone())
            .chain(
                old.files
                    .keys()
                    .filter(|k| !self.files.contains_key(*k))
                    .cloned(),
            )
            .collect();
        changed.sort();
        changed
    }
}

/// One error as the overlay shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownError {
    pub path: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
    pub hint: Option<String>,
}

impl From<&Diagnostic> for ShownError {
    fn from(d: &Diagnostic) -> Self {
        ShownError {
            path: d.path.display().to_string(),
            line: d.line,
            col: d.col,
            message: d.message.clone(),
            hint: d.hint.clone(),
        }
    }
}

/// What is being served at one moment.
#[derive(Debug, Clone)]
pub struct State {
    /// The last good build; `None` until one succeeds.
    pub site: Option<Arc<Snapshot>>,
    /// The errors of the latest build; empty when it passed.
    pub errors: Arc<Vec<ShownError>>,
    /// Bumped whenever what is served changes (the site or the errors).
    pub version: u64,
    /// What changed with this version: output paths, and whether the errors changed.
    pub changed: Arc<Vec<String>>,
    pub errors_changed: bool,
}

/// What one rebuild did.
#[derive(Debug)]
pub struct Rebuild {
    pub elapsed: Duration,
    /// Every diagnostic of the build, errors and warnings.
    pub diags: Diagnostics,
    /// Output paths whose bytes changed (empty when the build failed).
    pub changed: Vec<String>,
    /// The build passed after a failed one.
    pub recovered: bool,
}

/// The live site: the state being served, rebuilt on demand, with a signal for waiters.
pub struct Live {
    root: PathBuf,
    instance: String,
    state: RwLock<Arc<State>>,
    version: Mutex<u64>,
    bumped: Condvar,
}

impl Live {
    /// Builds the site once and serves the result (or its errors).
    pub fn new(root: &Path) -> (Live, Rebuild) {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let live = Live {
            root: root.to_path_buf(),
            instance: format!("{:x}-{:x}", std::process::id(), nanos),
            state: RwLock::new(Arc::new(State {
                site: None,
                errors: Arc::new(Vec::new()),
                version: 0,
                changed: Arc::new(Vec::new()),
                errors_changed: false,
            })),
            version: Mutex::new(0),
            bumped: Condvar::new(),
        };
        let first = live.rebuild();
        (live, first)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The state being served now.
    pub fn state(&self) -> Arc<State> {
        match self.state.read() {
            Ok(s) => Arc::clone(&s),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// A version tag unique to this process and state, for the pages' reload script.
    pub fn tag(&self, version: u64) -> String {
        format!("{}-{version}", self.instance)
    }

    /// Re-runs the whole build; swaps in the result if it passed, else keeps the last good
    /// site and records the errors. Calls must not overlap (the watcher runs them in turn).
    pub fn rebuild(&self) -> Rebuild {
        let start = Instant::now();
        let (snapshot, diags) = Snapshot::build(&self.root);
        let old = self.state();
        let errors: Vec<ShownError> = diags
            .sorted()
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .map(ShownError::from)
            .collect();
        let errors_changed = *old.errors != errors;
        let recovered = snapshot.is_some() && !old.errors.is_empty();
        let (site, changed) = match snapshot {
            Some(new) => {
                let changed = new.changed_since(old.site.as_deref());
                let site = if changed.is_empty() && old.site.is_some() {
                    old.site.clone()
                } else {
                    Some(Arc::new(new))
                };
                (site, changed)
            }
            None => (old.site.clone(), Vec::new()),
        };
        let first_good = old.site.is_none() && site.is_some();
        if !changed.is_empty() || errors_changed || first_good {
            let mut version = lock(&self.version);
            *version += 1;
            let next = Arc::new(State {
                site,
                errors: Arc::new(errors),
                version: *version,
                changed: Arc::new(changed.clone()),
                errors_changed,
            });
            match self.state.write() {
                Ok(mut s) => *s = next,
                Err(poisoned) => *poisoned.into_inner() = next,
            }
            drop(version);
            self.bumped.notify_all();
        }
        Rebuild {
            elapsed: start.elapsed(),
            diags,
            changed,
            recovered,
        }
    }

    /// Waits until the served state is newer than `seen`, or `timeout` passes.
    pub fn wait_newer(&self, seen: u64, timeout: Duration) -> Arc<State> {
        let guard = lock(&self.version);
        let _guard = self
            .bumped
            .wait_timeout_while(guard, timeout, |v| *v <= seen);
        self.state()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

// ---------------------------------------------------------------------------------------
// Answering requests

/// An answer to one request, before it is sent.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
}

/// What a request asks for.
#[derive(Debug)]
pub enum Route {
    /// The live event stream.
    Events,
    Reply(Reply),
}

/// Answers `method url` from `state`. Pure: no file is read, so nothing outside the
/// snapshot can ever be served.
pub fn route(live: &Live, state: &State, method: &str, url: &str) -> Route {
    if method != "GET" && method != "HEAD" {
        let mut r = text_reply(
            405,
            "405 Method Not Allowed: lede serve answers GET and HEAD\n",
        );
        r.headers.push(("Allow", "GET, HEAD".into()));
        return Route::Reply(r);
    }
    let path = url.split(['?', '#']).next().unwrap_or("");
    if path == EVENTS_PATH && method == "GET" {
        return Route::Events;
    }
    let tag = live.tag(state.version);
    let Some(site) = state.site.as_deref() else {
        // No build has passed yet: every page is the error overlay.
        let page = "<!doctype html><html><head><meta charset=\"utf-8\"><title>lede: build failed</title></head><body><h1>The site has errors</h1><p>lede serve shows the site once it builds.</p></body></html>";
        let body = inject(page.as_bytes(), None, &tag, &state.errors);
        return Route::Reply(Reply {
            status: 500,
            headers: vec![content_type("index.html")],
            body: Bytes(Arc::new(body)),
        });
    };
    let (status, key, bytes) = match resolve(site, path) {
        Resolved::Found(key) => match site.get(&key) {
            Some(b) => (200, key, b.clone()),
            None => return Route::Reply(not_found(live, state, site)),
        },
        Resolved::Redirect(location) => {
            let mut r = text_reply(301, "301 Moved Permanently\n");
            r.headers.push(("Location", location));
            return Route::Reply(r);
        }
        Resolved::NotFound => return Route::Reply(not_found(live, state, site)),
    };
    Route::Reply(file_reply(status, &key, bytes, Some(&key), &tag, state))
}

fn not_found(live: &Live, state: &State, site: &Snapshot) -> Reply {
    match site.get("404.html") {
        Some(b) => file_reply(
            404,
            "404.html",
            b.clone(),
            None,
            &live.tag(state.version),
            state,
        ),
        None => text_reply(404, "404 Not Found\n"),
    }
}

fn file_reply(
    status: u16,
    key: &str,
    bytes: Bytes,
    page: Option<&str>,
    tag: &str,
    state: &State,
) -> Reply {
    let body = if is_html(key) {
        Bytes(Arc::new(inject(&bytes.0, page, tag, &state.errors)))
    } else {
        bytes
    };
    Reply {
        status,
        headers: vec![content_type(key)],
        body,
    }
}

fn text_reply(status: u16, text: &str) -> Reply {
    Reply {
        status,
        headers: vec![("Content-Type", "text/plain; charset=utf-8".to_string())],
        body: Bytes(Arc::new(text.as_bytes().to_vec())),
    }
}

/// Where a URL path leads in a snapshot.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    Found(String),
    Redirect(String),
    NotFound,
}

/// Maps a URL path to an output path: `/` → `index.html`, `/figures/` →
/// `figures/index.html`, `/figures` → a redirect to `/figures/`. Percent-escapes are decoded
/// first; any `.` or `..` segment, backslash or NUL is refused rather than resolved, and empty
/// segments (`//etc`) are dropped, so the result is always a plain path inside the map.
pub fn resolve(site: &Snapshot, path: &str) -> Resolved {
    let Some(decoded) = percent_decode(path) else {
        return Resolved::NotFound;
    };
    if decoded.contains(['\\', '\0']) {
        return Resolved::NotFound;
    }
    let segments: Vec<&str> = decoded.split('/').filter(|s| !s.is_empty()).collect();
    if segments.iter().any(|s| *s == "." || *s == "..") {
        return Resolved::NotFound;
    }
    let key = segments.join("/");
    if key.is_empty() {
        return Resolved::Found("index.html".into());
    }
    if decoded.ends_with('/') {
        return Resolved::Found(format!("{key}/index.html"));
    }
    if site.get(&key).is_some() {
        return Resolved::Found(key);
    }
    if site.get(&format!("{key}/index.html")).is_some() {
        return Resolved::Redirect(format!("/{}/", percent_encode(&key)));
    }
    Resolved::NotFound
}

fn percent_decode(s: &str) -> Option<String> {
    // A `%` not followed by two hex digits is kept as is by the crate; here it is refused.
    let bytes = s.as_bytes();
    let malformed = bytes.iter().enumerate().any(|(i, &b)| {
        b == b'%'
            && !bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    if malformed {
        return None;
    }
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// Everything but unreserved characters and `/` is escaped.
const PATH_ESCAPES: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, PATH_ESCAPES).to_string()
}

fn is_html(path: &str) -> bool {
    path.ends_with(".html") || path.ends_with(".htm")
}

/// The Content-Type header for an output path, by extension (text types in UTF-8).
pub fn content_type(path: &str) -> (&'static str, String) {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let t = if mime.type_() == mime_guess::mime::TEXT
        || mime.essence_str() == "application/javascript"
    {
        let essence = if mime.essence_str() == "application/javascript" {
            "text/javascript"
        } else {
            mime.essence_str()
        };
        format!("{essence}; charset=utf-8")
    } else {
        mime.essence_str().to_string()
    };
    ("Content-Type", t)
}

// ---------------------------------------------------------------------------------------
// What is added to served HTML

/// Marks the start of what `lede serve` adds to a page; nothing of it is in the build.
pub const INJECT_START: &str = "<!-- lede serve -->";

/// Adds the reload script (and the error overlay, if there are errors) to a page, just
/// before `</body>` (or at the end when there is none).
pub fn inject(html: &[u8], page: Option<&str>, tag: &str, errors: &[ShownError]) -> Vec<u8> {
    let mut add = String::from(INJECT_START);
    if !errors.is_empty() {
        add.push_str(&overlay(errors));
    }
    let page_js = match page {
        Some(p) => json_string(p),
        None => "null".into(),
    };
    let _ = write!(
        add,
        "<script>{}</script>",
        RELOAD_JS
            .replace("__PAGE__", &page_js)
            .replace("__TAG__", &json_string(tag))
            .replace("__EVENTS__", &json_string(EVENTS_PATH))
    );
    let at = find_body_end(html).unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + add.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(add.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// Removes what [`inject`] added, giving back the page as built.
pub fn strip_injected(html: &[u8]) -> Vec<u8> {
    let start = INJECT_START.as_bytes();
    let Some(at) = html.windows(start.len()).rposition(|w| w == start) else {
        return html.to_vec();
    };
    let end_tag = b"</script>";
    let Some(len) = html[at..]
        .windows(end_tag.len())
        .position(|w| w == end_tag)
        .map(|p| p + end_tag.len())
    else {
        return html.to_vec();
    };
    let mut out = html[..at].to_vec();
    out.extend_from_slice(&html[at + len..]);
    out
}

fn find_body_end(html: &[u8]) -> Option<usize> {
    let needle = b"</body";
    html.windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle))
}

/// Reloads the page when it (or anything it may load, or the errors) changed. `page` is
/// the output path the page was served from (`null` for error and 404 pages: any change may
/// concern them); `tag` is the state it was served at, so a change that happened before the
/// stream connected is not missed.
const RELOAD_JS: &str = r#"(function(){var page=__PAGE__,tag=__TAG__;if(!window.EventSource)return;var es=new EventSource(__EVENTS__);es.addEventListener("hello",function(e){if(e.data!==tag)location.reload();});es.addEventListener("reload",function(e){var d=JSON.parse(e.data);if(d.tag===tag)return;var mine=page===null||d.all||d.errors_changed||d.changed.some(function(p){return p===page||!/\.html?$/.test(p);});if(mine)location.reload();else tag=d.tag;});})();"#;

fn overlay(errors: &[ShownError]) -> String {
    let mut s = String::from(
        "<div id=\"lede-overlay\" role=\"alert\" style=\"position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;padding:2rem;background:rgba(20,20,20,.94);color:#f5f5f5;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;text-align:left\">",
    );
    s.push_str("<button type=\"button\" onclick=\"this.parentNode.remove()\" style=\"float:right;font:inherit;color:inherit;background:none;border:1px solid currentColor;border-radius:4px;padding:.25rem .75rem;cursor:pointer\">Hide</button>");
    let _ = write!(
        s,
        "<p style=\"margin:0 0 1rem;font-size:16px;color:#ff8a80\"><strong>lede: the build failed with {} error(s).</strong> Still showing the last good build; fix the file and this page reloads.</p><ol style=\"margin:0;padding-left:1.5rem\">",
        errors.len()
    );
    for e in errors {
        let _ = write!(
            s,
            "<li style=\"margin:0 0 .75rem\"><span class=\"lede-error-at\" style=\"color:#82b1ff\">{}:{}:{}</span>: <span class=\"lede-error-message\">{}</span>",
            escape(&e.path),
            e.line,
            e.col,
            escape(&e.message)
        );
        if let Some(h) = &e.hint {
            let _ = write!(
                s,
                "<br><span style=\"color:#b9f6ca;white-space:pre-wrap\">help: {}</span>",
                escape(h)
            );
        }
        s.push_str("</li>");
    }
    s.push_str("</ol></div>");
    s
}

pub use crate::annotate::escape;

/// A JSON string literal that is also safe inside a `<script>` element.
fn json_string(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_else(|_| "\"\"".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
}

/// The data of a `reload` event for `state`.
fn reload_event(live: &Live, state: &State, seen: u64) -> String {
    let data = serde_json::json!({
        "tag": live.tag(state.version),
        "changed": *state.changed,
        // More than one rebuild since the last event: what changed in between is unknown.
        "all": state.version > seen + 1,
        "errors_changed": state.errors_changed,
    });
    format!("event: reload\ndata: {data}\n\n")
}

// ---------------------------------------------------------------------------------------
// The server

/// How to serve.
#[derive(Debug, Clone)]
pub struct Options {
    pub root: PathBuf,
    /// `None`: [`DEFAULT_PORT`] or the next free one. `Some(0)`: any free port.
    pub port: Option<u16>,
    pub bind: IpAddr,
    pub debounce: Debounce,
    /// Print what happens (builds, errors) to the terminal.
    pub verbose: bool,
}

impl Options {
    pub fn new(root: &Path) -> Options {
        Options {
            root: root.to_path_buf(),
            port: None,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            debounce: Debounce::default(),
            verbose: true,
        }
    }
}

/// A running server; dropping it stops accepting and the watcher.
pub struct Server {
    pub live: Arc<Live>,
    pub addr: SocketAddr,
    listener: http::Listener,
    _watch: WatchHandle,
}

impl Server {
    /// The URL to open, e.g. `http://127.0.0.1:1111/`.
    pub fn url(&self) -> String {
        let ip = match self.addr.ip() {
            ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}/", SocketAddr::new(ip, self.addr.port()))
    }

    /// Blocks until the server stops.
    pub fn wait(self) {
        self.listener.wait();
    }
}

/// Builds the site, starts watching it and serving it; returns once requests are answered.
pub fn start(opts: &Options) -> Result<Server> {
    let root = &opts.root;
    if !root.is_dir() {
        bail!("`{}` is not a folder", root.display());
    }
    let (live, first) = Live::new(root);
    if opts.verbose {
        report_first(&first);
    }
    let live = Arc::new(live);
    let listener = bind(opts.bind, opts.port)?;
    let addr = listener.local_addr()?;

    let watch_live = Arc::clone(&live);
    let verbose = opts.verbose;
    let watch = watch::spawn(root, opts.debounce, move |batch| {
        let r = watch_live.rebuild();
        if verbose {
            report_rebuild(&batch, &r);
        }
    })
    .with_context(|| format!("cannot watch `{}` for changes", root.display()))?;

    let streams = Arc::new(AtomicUsize::new(0));
    let hosts = http::HostCheck::new(opts.bind);
    let conn_live = Arc::clone(&live);
    let listener = http::Listener::spawn(listener, move |stream| {
        handle(stream, &conn_live, &streams, &hosts);
    })
    .context("cannot start the HTTP server")?;
    Ok(Server {
        live,
        addr,
        listener,
        _watch: watch,
    })
}

/// `lede serve`: starts, prints the URL, opens a browser if asked, runs until Ctrl-C.
pub fn run(opts: &Options, open: bool) -> Result<()> {
    let server = start(opts)?;
    let url = server.url();
    if !server.addr.ip().is_loopback() {
        eprintln!(
            "warning: listening on {}: anyone who can reach this machine on that address can read the site (use --bind 127.0.0.1 to keep it private)",
            server.addr.ip()
        );
    }
    println!(
        "Serving {} at {url} (Ctrl-C to stop)",
        server.live.root().display()
    );
    ctrlc::set_handler(|| {
        println!("\nStopped.");
        let _ = std::io::stdout().flush();
        std::process::exit(0);
    })
    .context("cannot install the Ctrl-C handler")?;
    if open {
        open_browser(&url);
    }
    server.wait();
    Ok(())
}

fn bind(ip: IpAddr, port: Option<u16>) -> Result<TcpListener> {
    match port {
        Some(p) => TcpListener::bind((ip, p))
            .with_context(|| format!("cannot listen on {}", SocketAddr::new(ip, p))),
        None => {
            for p in DEFAULT_PORT..DEFAULT_PORT.saturating_add(PORT_TRIES) {
                if let Ok(l) = TcpListener::bind((ip, p)) {
                    return Ok(l);
                }
            }
            bail!(
                "no free port between {DEFAULT_PORT} and {}\n  = help: pass --port N (or --port 0 for any free port)",
                DEFAULT_PORT + PORT_TRIES - 1
            )
        }
    }
}

fn open_browser(url: &str) {
    let cmd = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let spawned = std::process::Command::new(cmd)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if spawned.is_err() {
        eprintln!("note: could not run `{cmd}`; open {url} yourself");
    }
}

/// Answers one connection: one request, then the connection closes (an event stream stays
/// open until the page goes away).
fn handle(
    mut stream: TcpStream,
    live: &Arc<Live>,
    streams: &Arc<AtomicUsize>,
    hosts: &http::HostCheck,
) {
    let req = match http::read_request(&mut stream) {
        Ok(r) => r,
        Err(http::BadRequest::Gone) => return,
        Err(http::BadRequest::Answer(status, text)) => {
            let _ = http::respond(&mut stream, status, &PLAIN, text.as_bytes(), false);
            http::drain(&mut stream);
            return;
        }
    };
    if !hosts.allows(req.host.as_deref()) {
        let text = "403 Forbidden: this server answers only requests for localhost or its own address (start it with --bind to serve other names)\n";
        let _ = http::respond(&mut stream, 403, &PLAIN, text.as_bytes(), false);
        return;
    }
    let state = live.state();
    match route(live, &state, &req.method, &req.target) {
        Route::Reply(reply) => {
            let headers: Vec<(&str, &str)> = reply
                .headers
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .chain([
                    ("Cache-Control", "no-store"),
                    ("X-Content-Type-Options", "nosniff"),
                ])
                .collect();
            // A client that went away mid-response is not an error worth reporting.
            let head_only = req.method == "HEAD";
            let _ = http::respond(
                &mut stream,
                reply.status,
                &headers,
                &reply.body.0,
                head_only,
            );
        }
        Route::Events => {
            if streams.fetch_add(1, Ordering::SeqCst) >= MAX_STREAMS {
                streams.fetch_sub(1, Ordering::SeqCst);
                let _ = http::respond(&mut stream, 503, &PLAIN, b"too many open pages\n", false);
                return;
            }
            let _ = stream.set_write_timeout(Some(KEEPALIVE));
            stream_events(Box::new(stream), live, state.version);
            streams.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

const PLAIN: [(&str, &str); 1] = [("Content-Type", "text/plain; charset=utf-8")];

/// Sends `hello` with the current tag, then a `reload` for every change, until the client
/// goes away.
fn stream_events(mut w: Box<dyn Write + Send>, live: &Live, mut seen: u64) {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\n\r\nretry: 500\nevent: hello\ndata: {}\n\n",
        live.tag(seen)
    );
    if w.write_all(head.as_bytes())
        .and_then(|()| w.flush())
        .is_err()
    {
        return;
    }
    loop {
        let state = live.wait_newer(seen, KEEPALIVE);
        let msg = if state.version > seen {
            let m = reload_event(live, &state, seen);
            seen = state.version;
            m
        } else {
            ": keep-alive\n\n".to_string()
        };
        if w.write_all(msg.as_bytes())
            .and_then(|()| w.flush())
            .is_err()
        {
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Terminal output

fn print_diags(diags: &Diagnostics) {
    for d in diags.sorted() {
        eprintln!("{d}");
    }
}

fn report_first(r: &Rebuild) {
    print_diags(&r.diags);
    if r.diags.has_errors() {
        eprintln!(
            "{} error(s): serving the errors until the site builds",
            r.diags.errors()
        );
    } else {
        println!(
            "Built {} files in {} ms",
            r.changed.len(),
            r.elapsed.as_millis()
        );
    }
}

fn report_rebuild(batch: &Batch, r: &Rebuild) {
    let what = match batch.paths.as_slice() {
        [] => "changes".to_string(),
        [one] => one.display().to_string(),
        [first, rest @ ..] => format!("{} and {} more", first.display(), rest.len()),
    };
    print_diags(&r.diags);
    if r.diags.has_errors() {
        eprintln!(
            "{} error(s) after {what}: still serving the last good build; open pages show the errors",
            r.diags.errors()
        );
        return;
    }
    let fixed = if r.recovered { "Fixed. " } else { "" };
    match r.changed.len() {
        0 => println!(
            "{fixed}Rebuilt after {what} in {} ms: no output changed",
            r.elapsed.as_millis()
        ),
        n => println!(
            "{fixed}Rebuilt after {what} in {} ms: {n} file(s) changed, reloading open pages",
            r.elapsed.as_millis()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(paths: &[&str]) -> Snapshot {
        Snapshot {
            files: paths
                .iter()
                .map(|p| ((*p).to_string(), Bytes(Arc::new(p.as_bytes().to_vec()))))
                .collect(),
        }
    }

    #[test]
    fn resolves_folders_and_refuses_traversal() {
        let s = site(&[
            "index.html",
            "figures/index.html",
            "figures/a.html",
            "a b.css",
        ]);
        let r = |p: &str| resolve(&s, p);
        assert_eq!(r("/"), Resolved::Found("index.html".into()));
        assert_eq!(r("/figures/"), Resolved::Found("figures/index.html".into()));
        assert_eq!(r("/figures"), Resolved::Redirect("/figures/".into()));
        assert_eq!(r("//figures"), Resolved::Redirect("/figures/".into()));
        assert_eq!(
            r("/figures/a.html"),
            Resolved::Found("figures/a.html".into())
        );
        assert_eq!(r("/a%20b.css"), Resolved::Found("a b.css".into()));
        for bad in [
            "/../Cargo.toml",
            "/%2e%2e/Cargo.toml",
            "/%2E%2E/%2E%2E/etc/passwd",
            "/figures/../../x",
            "/./index.html",
            "/..%2fCargo.toml",
            "/..%5cCargo.toml",
            "/%00",
            "/%zz",
            "/%ff",
        ] {
            assert_eq!(r(bad), Resolved::NotFound, "{bad}");
        }
        assert_eq!(r("//etc/passwd"), Resolved::NotFound);
        assert_eq!(r("/nope"), Resolved::NotFound);
    }

    #[test]
    fn content_types() {
        for (p, t) in [
            ("a.html", "text/html; charset=utf-8"),
            ("a.CSS", "text/css; charset=utf-8"),
            ("a.js", "text/javascript; charset=utf-8"),
            ("a.png", "image/png"),
            ("a.jpg", "image/jpeg"),
            ("a.woff2", "font/woff2"),
            ("a.svg", "image/svg+xml"),
            ("noext", "application/octet-stream"),
        ] {
            assert_eq!(content_type(p).1, t, "{p}");
        }
    }

    #[test]
    fn injection_goes_before_body_end_and_strips_back() {
        let html = b"<html><body><p>x</p></BODY></html>";
        let errors = vec![ShownError {
            path: "content/a.md".into(),
            line: 3,
            col: 1,
            message: "bad <thing>".into(),
            hint: None,
        }];
        let out = inject(html, Some("a.html"), "t-1", &errors);
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains("content/a.md:3:1"));
        assert!(text.contains("bad &lt;thing&gt;"));
        assert!(text.ends_with("</BODY></html>"));
        assert_eq!(strip_injected(&out), html.to_vec());
        let bare = inject(b"plain", None, "t", &[]);
        assert_eq!(strip_injected(&bare), b"plain".to_vec());
    }

    #[test]
    fn changed_lists_added_removed_and_modified() {
        let a = site(&["a.html", "b.html"]);
        let mut b = site(&["b.html", "c.html"]);
        b.files
            .insert("b.html".into(), Bytes(Arc::new(b"new".to_vec())));
        assert_eq!(
            b.changed_since(Some(&a)),
            vec!["a.html", "b.html", "c.html"]
        );
        assert!(a.changed_since(Some(&a)).is_empty());
    }
}
