//! `lede serve`: build the site in memory, serve it over HTTP, rebuild on every change and
//! reload the open pages.
//!
//! Every batch of changes is rebuilt in memory by [`incremental::Engine`]: only what the
//! changed files can affect when that is known for certain, else the whole pipeline; either
//! way the result is byte for byte a full build's. When it passes, its outputs and the
//! static files become the new [`Snapshot`], swapped in whole; when it fails, the last good
//! snapshot stays and every served page shows the errors in an overlay. Requests are answered
//! from the snapshot's map of output paths, so a path outside the site (`..`, an absolute path, a
//! symlink) has nothing to resolve to. The reload script and the overlay are added to HTML
//! as it is sent, never to the snapshot, so the bytes served are those of a fresh full build.

pub mod http;
pub mod incremental;
mod live;
mod overlay;
mod routes;

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use anyhow::{Context, Result, bail};

use crate::diagnostics::Diagnostics;
use crate::watch::{self, Batch, Debounce, WatchHandle};

pub use live::{Bytes, Live, Rebuild, Snapshot, State};
pub use overlay::{INJECT_START, ShownError, escape, inject, strip_injected};
pub use routes::{EVENTS_PATH, Reply, Resolved, Route, content_type, resolve, route};

/// The port tried first when none is given; the next free one is taken if it is busy.
pub const DEFAULT_PORT: u16 = 1111;
/// How many ports after [`DEFAULT_PORT`] are tried.
const PORT_TRIES: u16 = 100;

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
        let r = watch_live.rebuild_changed(&batch);
        if verbose {
            report_rebuild(&batch, &r);
        }
    })
    .with_context(|| format!("cannot watch `{}` for changes", root.display()))?;

    let streams = Arc::new(AtomicUsize::new(0));
    let hosts = http::HostCheck::new(opts.bind);
    let conn_live = Arc::clone(&live);
    let listener = http::Listener::spawn(listener, move |stream| {
        routes::handle(stream, &conn_live, &streams, &hosts);
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
    let how = match r.incremental {
        true => format!("{} page(s) rendered", r.rendered),
        false => "full rebuild".to_string(),
    };
    match r.changed.len() {
        0 => println!(
            "{fixed}Rebuilt after {what} in {} ms ({how}): no output changed",
            r.elapsed.as_millis()
        ),
        n => println!(
            "{fixed}Rebuilt after {what} in {} ms ({how}): {n} file(s) changed, reloading open pages",
            r.elapsed.as_millis()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

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
