//! `lede serve`: the real binary on a temp copy of `tests/fixtures/serve`, spoken to over
//! HTTP; plus a property test that the served site always equals a fresh full build.
//!
//! Every wait polls with a deadline instead of sleeping a fixed time, so the tests hold on
//! a slow, busy 2-core machine; every server is killed when its test ends, pass or fail.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use common::TestSite;
use lede::serve::{self, Live};
use proptest::prelude::*;

const DEADLINE: Duration = Duration::from_secs(20);

/// Polls `f` until it gives a value, or fails the test after [`DEADLINE`] with `what`.
fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A running `lede serve`, killed on drop.
struct Served {
    child: Child,
    addr: SocketAddr,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

fn drain(r: impl Read + Send + 'static, into: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            let Ok(line) = line else { return };
            let mut s = into.lock().expect("log lock");
            s.push_str(&line);
            s.push('\n');
        }
    });
}

impl Served {
    /// Waits until the page at `path` contains `needle` (after an edit is rebuilt).
    fn wait_for_text(&self, path: &str, needle: &str) {
        eventually(&format!("`{needle}` in {path}"), || {
            self.get(path).text().contains(needle).then_some(())
        });
    }

    fn start(root: &Path, extra: &[&str]) -> Served {
        let mut args = vec!["--port", "0"];
        args.extend_from_slice(extra);
        let mut served = Served::start_with(root, &args);
        served.wait_for_url();
        served
    }

    /// Starts `lede serve --root ROOT ARGS…`; call `wait_for_url` before using it.
    fn start_with(root: &Path, args: &[&str]) -> Served {
        Served::spawn(Command::new(env!("CARGO_BIN_EXE_lede")), root, args)
    }

    /// `lede serve --port 0` with at most `files` open file handles (`ulimit -n`).
    #[cfg(unix)]
    fn start_with_handles(root: &Path, files: u32) -> Served {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("ulimit -n {files} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_lede"));
        let mut served = Served::spawn(cmd, root, &["--port", "0"]);
        served.wait_for_url();
        served
    }

    fn spawn(mut cmd: Command, root: &Path, args: &[&str]) -> Served {
        let mut child = cmd
            .args(["serve", "--root"])
            .arg(root)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start lede serve");
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        drain(child.stdout.take().expect("stdout"), Arc::clone(&stdout));
        drain(child.stderr.take().expect("stderr"), Arc::clone(&stderr));
        Served {
            child,
            addr: "127.0.0.1:1".parse().expect("addr"),
            stdout,
            stderr,
        }
    }

    /// Waits for the URL the server prints, and takes its address from it.
    fn wait_for_url(&mut self) {
        let served = self;
        let (out_log, err_log) = (Arc::clone(&served.stdout), Arc::clone(&served.stderr));
        let url = eventually("the server to print its URL", || {
            if let Ok(Some(status)) = served.child.try_wait() {
                panic!(
                    "lede serve exited with {status}:\n{}",
                    err_log.lock().expect("log lock")
                );
            }
            let out = out_log.lock().expect("log lock").clone();
            let at = out.find("http://")?;
            let url: String = out[at..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect();
            Some(url)
        });
        let hostport = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        served.addr = hostport.parse().expect("host:port in the URL");
    }

    fn out(&self) -> String {
        self.stdout.lock().expect("log lock").clone()
    }

    fn err(&self) -> String {
        self.stderr.lock().expect("log lock").clone()
    }

    fn get(&self, path: &str) -> Resp {
        request(self.addr, "GET", path)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request on its own connection; the path is sent exactly as given.
fn request(addr: SocketAddr, method: &str, path: &str) -> Resp {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(DEADLINE)).expect("timeout");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )
    .expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read response");
    parse(&raw)
}

fn parse(raw: &[u8]) -> Resp {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut resp = Resp {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    };
    if resp.header("Transfer-Encoding") == Some("chunked") {
        resp.body = dechunk(&resp.body);
    }
    resp
}

/// Decodes a chunked body (large responses are sent that way).
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = raw
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size line");
        let size = std::str::from_utf8(&raw[..line_end])
            .ok()
            .and_then(|l| usize::from_str_radix(l.split(';').next()?.trim(), 16).ok())
            .expect("chunk size");
        if size == 0 {
            return out;
        }
        let start = line_end + 2;
        out.extend_from_slice(&raw[start..start + size]);
        raw = &raw[start + size + 2..];
    }
}

/// An open event stream, read on a thread of its own.
struct Events {
    text: Arc<Mutex<String>>,
    _stream: TcpStream,
}

impl Events {
    fn open(addr: SocketAddr) -> Events {
        let mut s = TcpStream::connect(addr).expect("connect");
        write!(
            s,
            "GET {} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n",
            serve::EVENTS_PATH
        )
        .expect("send");
        let text = Arc::new(Mutex::new(String::new()));
        let into = Arc::clone(&text);
        let mut reader = s.try_clone().expect("clone");
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    return;
                }
                into.lock()
                    .expect("events lock")
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let events = Events { text, _stream: s };
        events.wait_for("event: hello");
        events
    }

    fn text(&self) -> String {
        self.text.lock().expect("events lock").clone()
    }

    /// Waits for `needle` in what came after `from` bytes; returns where the text ends now.
    fn wait_for_after(&self, from: usize, needle: &str) -> usize {
        eventually(&format!("`{needle}` on the event stream"), || {
            let t = self.text();
            t[from.min(t.len())..].contains(needle).then_some(t.len())
        })
    }

    fn wait_for(&self, needle: &str) -> usize {
        self.wait_for_after(0, needle)
    }
}

/// A fresh full build of `root`, independent of the server's code: every page and static
/// file with its bytes, or `None` if the build has errors.
fn fresh_build(root: &Path) -> Option<BTreeMap<String, Vec<u8>>> {
    let r = lede::build::render_site(root);
    if r.diags.has_errors() {
        return None;
    }
    let mut files: BTreeMap<String, Vec<u8>> =
        r.outputs.into_iter().map(|o| (o.path, o.bytes)).collect();
    for s in r.statics {
        files.insert(s.rel, std::fs::read(&s.abs).ok()?);
    }
    Some(files)
}

/// Every file of `expected` is served with those bytes (once the injected script is
/// removed), with status 200.
fn served_matches(server: &Served, expected: &BTreeMap<String, Vec<u8>>) -> bool {
    expected.iter().all(|(path, bytes)| {
        let r = server.get(&format!("/{path}"));
        r.status == 200 && serve::strip_injected(&r.body) == *bytes
    })
}

#[test]
fn serves_pages_static_files_folders_and_404() {
    let site = TestSite::fixture("serve");
    let server = Served::start(site.path(), &[]);
    assert!(
        server.out().contains("http://127.0.0.1:"),
        "{}",
        server.out()
    );

    let home = server.get("/");
    assert_eq!(home.status, 200);
    assert_eq!(
        home.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert!(home.text().contains("<h1>Home</h1>"));
    assert!(home.text().contains(serve::EVENTS_PATH), "reload script");

    let notes = server.get("/notes/");
    assert_eq!(notes.status, 200);
    assert!(notes.text().contains("<h1>Notes</h1>"));
    let redirect = server.get("/notes");
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("Location"), Some("/notes/"));

    for (path, ty) in [
        ("/style.css", "text/css; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/data.json", "application/json"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/img/logo.svg", "image/svg+xml"),
        ("/img/dot.png", "image/png"),
    ] {
        let r = server.get(path);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("Content-Type"), Some(ty), "{path}");
        let on_disk = std::fs::read(site.path().join("static").join(&path[1..])).expect("read");
        assert_eq!(r.body, on_disk, "{path} served as is");
    }

    let head = request(server.addr, "HEAD", "/style.css");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "HEAD has no body");
    assert_eq!(head.header("Content-Length"), Some("34"));

    let missing = server.get("/no/such/page.html");
    assert_eq!(missing.status, 404);
    assert!(
        missing.text().contains("No such page here."),
        "the site's 404.html"
    );

    // No directory listings: a folder without an index.html is simply not found.
    assert_eq!(server.get("/img/").status, 404);

    // Before the script is removed, the page differs; after, it is the build's bytes.
    let expected = fresh_build(site.path()).expect("fixture builds");
    assert!(served_matches(&server, &expected));
    // `lede build` output has no reload script.
    let built = site.build();
    built.assert_ok();
    assert!(!site.page("index.html").contains(serve::EVENTS_PATH));
}

#[test]
fn an_edit_is_served_and_pushes_a_reload() {
    let site = TestSite::fixture("serve");
    let server = Served::start(site.path(), &[]);
    let events = Events::open(server.addr);
    let seen = events.text().len();

    site.edit(
        "content/notes/first.md",
        "says hello.",
        "says hello again, edited.",
    );
    server.wait_for_text("/notes/first.html", "hello again, edited");
    events.wait_for_after(seen, "\"notes/first.html\"");
    let text = events.text();
    assert!(text[seen..].contains("event: reload"), "{text}");
    assert!(
        !text[seen..].contains("\"notes/second.html\""),
        "an unchanged page is not reloaded: {text}"
    );

    // A new page appears, and leaves again when its file is deleted.
    site.write(
        "content/notes/third.md",
        "+++\ntitle = \"Third note\"\n+++\nA third.\n",
    );
    eventually("the new page", || {
        (server.get("/notes/third.html").status == 200).then_some(())
    });
    assert!(server.get("/notes/").text().contains("Third note"));
    site.remove("content/notes/third.md");
    eventually("the deleted page to go", || {
        (server.get("/notes/third.html").status == 404).then_some(())
    });
    let expected = fresh_build(site.path()).expect("builds");
    assert!(served_matches(&server, &expected));
    assert!(server.out().contains("Rebuilt"), "{}", server.out());
}

#[test]
fn a_broken_build_shows_the_errors_and_keeps_the_last_good_site() {
    let site = TestSite::fixture("serve");
    let server = Served::start(site.path(), &[]);
    let events = Events::open(server.addr);
    let good = fresh_build(site.path()).expect("builds");

    // Line 5 of the file becomes a key lede does not know.
    site.edit(
        "content/notes/second.md",
        "weight = 2\n",
        "weight = 2\ncolour = \"red\"\n",
    );
    let page = eventually("the error overlay", || {
        let r = server.get("/notes/second.html");
        r.text().contains("lede-overlay").then_some(r)
    });
    let text = page.text();
    assert_eq!(page.status, 200);
    assert!(
        text.contains("content/notes/second.md:5:1"),
        "file and line in the overlay: {text}"
    );
    assert!(text.contains("unknown key `colour`"), "{text}");
    assert!(
        text.contains("The second note says goodbye."),
        "last good page"
    );
    events.wait_for("\"errors_changed\":true");
    // Every page still is the last good build, underneath the overlay.
    assert!(served_matches(&server, &good));
    eventually("the error in the terminal", || {
        server
            .err()
            .contains("content/notes/second.md:5:1: error: unknown key `colour`")
            .then_some(())
    });

    let before_fix = events.text().len();
    site.edit("content/notes/second.md", "colour = \"red\"\n", "");
    eventually("the overlay to clear", || {
        (!server
            .get("/notes/second.html")
            .text()
            .contains("lede-overlay"))
        .then_some(())
    });
    events.wait_for_after(before_fix, "\"errors_changed\":true");
    assert!(served_matches(&server, &good));
}

#[test]
fn a_source_folder_replaced_whole_is_watched_again() {
    let site = TestSite::fixture("serve");
    let server = Served::start(site.path(), &[]);
    for round in 0..2 {
        // Move the folder away and put a new one in its place, as a `git checkout` of
        // another branch or a sync tool may do.
        let old = site.path().join(format!("content-old-{round}"));
        std::fs::rename(site.path().join("content"), &old).expect("move content away");
        std::fs::create_dir(site.path().join("content")).expect("new content");
        for entry in walkdir::WalkDir::new(&old) {
            let entry = entry.expect("walk");
            let rel = entry.path().strip_prefix(&old).expect("inside");
            let to = site.path().join("content").join(rel);
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&to).expect("mkdir");
            } else {
                std::fs::copy(entry.path(), &to).expect("copy");
            }
        }
        site.edit(
            "content/notes/first.md",
            "says hello",
            &format!("says hello from folder {round}"),
        );
        server.wait_for_text("/notes/first.html", &format!("hello from folder {round}"));
        // The new folder itself is watched: a later edit inside it is seen too.
        site.edit(
            "content/notes/second.md",
            "goodbye",
            &format!("goodbye {round}"),
        );
        server.wait_for_text("/notes/second.html", &format!("goodbye {round}"));
    }
}

#[test]
fn a_site_that_never_built_shows_its_errors_until_fixed() {
    let site = TestSite::fixture("serve");
    site.edit("templates/page.html", "{% endblock content %}", "");
    let server = Served::start(site.path(), &[]);
    let r = server.get("/notes/first.html");
    assert_eq!(r.status, 500);
    assert!(r.text().contains("lede-overlay"), "{}", r.text());
    assert!(r.text().contains("templates/page.html"), "{}", r.text());
    site.write(
        "templates/page.html",
        std::fs::read_to_string(
            common::repo_root().join("tests/fixtures/serve/templates/page.html"),
        )
        .expect("fixture"),
    );
    eventually("the fixed site", || {
        (server.get("/notes/first.html").status == 200).then_some(())
    });
}

#[test]
fn nothing_outside_the_site_can_be_read() {
    let site = TestSite::fixture("serve");
    let server = Served::start(site.path(), &[]);
    for path in [
        "/../Cargo.toml",
        "/../../../../etc/passwd",
        "/%2e%2e/Cargo.toml",
        "/%2E%2E/%2e%2e/etc/passwd",
        "/notes/../../lede.toml",
        "/..%2flede.toml",
        "/..%5clede.toml",
        "//etc/passwd",
        "/lede.toml",
        "/content/_index.md",
        "/templates/base.html",
        "/static/style.css",
        "/%00",
    ] {
        let r = server.get(path);
        assert_eq!(r.status, 404, "{path}");
        let t = r.text();
        assert!(!t.contains("root:"), "{path}: {t}");
        assert!(!t.contains("[package]"), "{path}: {t}");
        assert!(!t.contains("+++"), "{path}: {t}");
    }
    // An absolute URL naming another file is still looked up inside the site.
    assert_eq!(
        request(server.addr, "GET", "http://127.0.0.1/etc/passwd").status,
        404
    );

    // Methods are case-sensitive: `get` is not GET.
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "get"] {
        let r = request(server.addr, method, "/");
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.header("Allow"), Some("GET, HEAD"), "{method}");
    }

    // A symlink out of the site is refused by the build, so it is never served.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/etc/passwd", site.path().join("static/leak.txt"))
            .expect("symlink");
        eventually("the symlink error", || {
            server
                .get("/")
                .text()
                .contains("symlink points outside")
                .then_some(())
        });
        let r = server.get("/leak.txt");
        assert_eq!(r.status, 404);
        assert!(!r.text().contains("root:"));
    }
}

#[test]
fn two_hundred_concurrent_clients_and_early_disconnects() {
    let site = TestSite::fixture("serve");
    // A large file, so that a client can leave in the middle of it.
    let big: Vec<u8> = (0..4_000_000u32).map(|i| (i % 251) as u8).collect();
    site.write("static/big.bin", &big);
    let server = Served::start(site.path(), &[]);
    let addr = server.addr;

    // Clients that ask for the big file and hang up after a few bytes, or before reading.
    let leavers: Vec<_> = (0..40)
        .map(|i| {
            std::thread::spawn(move || {
                let Ok(mut s) = TcpStream::connect(addr) else {
                    return;
                };
                let _ = write!(s, "GET /big.bin HTTP/1.1\r\nHost: {addr}\r\n\r\n");
                if i % 2 == 0 {
                    let mut buf = [0u8; 100];
                    let _ = s.read(&mut buf);
                }
            })
        })
        .collect();

    let n = 200;
    let barrier = Arc::new(Barrier::new(n));
    let clients: Vec<_> = (0..n)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(addr).expect("connect");
                s.set_read_timeout(Some(Duration::from_secs(60)))
                    .expect("timeout");
                barrier.wait(); // all 200 connections are open at once
                let path = if i % 2 == 0 { "/" } else { "/notes/first.html" };
                write!(
                    s,
                    "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
                )
                .expect("send");
                let mut raw = Vec::new();
                s.read_to_end(&mut raw).expect("read");
                parse(&raw).status
            })
        })
        .collect();
    for c in clients {
        assert_eq!(c.join().expect("client thread"), 200);
    }
    for l in leavers {
        l.join().expect("leaver thread");
    }
    let r = server.get("/big.bin");
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), big.len());
    assert!(!server.err().contains("panicked"), "{}", server.err());
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_server_cleanly() {
    let site = TestSite::fixture("serve");
    let mut server = Served::start(site.path(), &[]);
    assert_eq!(server.get("/").status, 200);
    let killed = Command::new("kill")
        .args(["-INT", &server.child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(killed.success());
    let status = eventually("the server to stop", || {
        server.child.try_wait().expect("try_wait")
    });
    assert!(status.success(), "exit status {status}");
    eventually("the goodbye", || {
        server.out().contains("Stopped").then_some(())
    });
}

#[test]
fn without_a_port_it_takes_1111_or_the_next_free_one() {
    let site = TestSite::fixture("serve");
    let start = |site: &TestSite| {
        let mut s = Served::start_with(site.path(), &[]);
        s.wait_for_url();
        s
    };
    let a = start(&site);
    let b = start(&site);
    for s in [&a, &b] {
        let port = s.addr.port();
        assert!((1111..1211).contains(&port), "port {port}");
        assert_eq!(s.get("/").status, 200);
    }
    assert_ne!(
        a.addr.port(),
        b.addr.port(),
        "the second server takes the next port"
    );
}

#[test]
fn binding_beyond_loopback_warns() {
    let site = TestSite::fixture("serve");
    let server = Served::start(site.path(), &["--bind", "0.0.0.0"]);
    eventually("the warning", || {
        server
            .err()
            .contains("warning: listening on 0.0.0.0")
            .then_some(())
    });
    // The printed URL is the loopback one, and it works.
    assert_eq!(server.addr.ip().to_string(), "127.0.0.1");
    assert_eq!(server.get("/").status, 200);
}

/// Random edits through the real watcher: after each burst of edits (made with no pause,
/// the way a `git checkout` makes them), the served site converges on a fresh build.
#[test]
fn bursts_of_edits_converge_on_a_fresh_build() {
    let site = TestSite::fixture("serve");
    let server = Served::start(site.path(), &[]);
    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    for round in 0..6 {
        for _ in 0..(1 + next(8)) {
            let k = next(5);
            let note = format!("content/notes/n{k}.md");
            match next(6) {
                0 | 1 => site.write(
                    &note,
                    format!("+++\ntitle = \"Note {k}\"\nweight = {k}\n+++\nRound {round}.\n"),
                ),
                2 => {
                    let _ = std::fs::remove_file(site.path().join(&note));
                    &site
                }
                3 => {
                    let to = site.path().join(format!("content/notes/m{}.md", next(5)));
                    let _ = std::fs::rename(site.path().join(&note), to);
                    &site
                }
                4 => site.write(
                    "static/style.css",
                    format!("body {{ margin: {round}px; }}\n"),
                ),
                _ => site.write(
                    "content/notes/first.md",
                    format!(
                        "+++\ntitle = \"First note\"\nweight = 1\n+++\nRound {round}, edit {}.\n",
                        next(100)
                    ),
                ),
            };
        }
        let expected = fresh_build(site.path()).expect("every edit here keeps the site valid");
        eventually(&format!("round {round} to be served"), || {
            served_matches(&server, &expected).then_some(())
        });
        // And nothing else: pages that are gone are not served any more.
        for k in 0..5 {
            for prefix in ["n", "m"] {
                let path = format!("notes/{prefix}{k}.html");
                if !expected.contains_key(&path) {
                    assert_eq!(server.get(&format!("/{path}")).status, 404, "{path}");
                }
            }
        }
    }
}

/// The watcher on its own: a burst of writes (here 100 files, as a `git checkout` makes
/// them) is one batch, and changes lede never reads (hidden files, the output folder) make
/// none. A long quiet time keeps this deterministic on a busy machine.
#[test]
fn a_burst_of_changes_is_one_batch_and_irrelevant_changes_none() {
    use lede::watch::{self, Batch, Debounce};
    let site = TestSite::fixture("serve");
    let (tx, rx) = std::sync::mpsc::channel::<Batch>();
    let debounce = Debounce {
        quiet: Duration::from_millis(400),
        max: Duration::from_secs(10),
    };
    let _watch = watch::spawn(site.path(), debounce, move |b| {
        let _ = tx.send(b);
    })
    .expect("watch");

    for i in 0..100 {
        site.write(
            &format!("content/notes/burst{i:03}.md"),
            "+++\ntitle = \"B\"\n+++\n",
        );
    }
    let batch = rx.recv_timeout(DEADLINE).expect("a batch");
    let burst: Vec<_> = batch
        .paths
        .iter()
        .filter(|p| p.to_string_lossy().contains("burst"))
        .collect();
    assert_eq!(
        burst.len(),
        100,
        "every file in the one batch: {:?}",
        batch.paths
    );
    assert!(
        rx.recv_timeout(Duration::from_millis(800)).is_err(),
        "a second batch for the same burst"
    );

    // Lede reads none of these, so none of them is a change.
    site.write("public/index.html", "x");
    site.write("content/.notes.md.swp", "x");
    site.write("static/.DS_Store", "x");
    site.write("lede.toml.bak", "x");
    let _ = std::fs::read_to_string(site.path().join("content/notes/first.md"));
    assert!(
        rx.recv_timeout(Duration::from_millis(800)).is_err(),
        "a batch for files lede does not read"
    );
    site.edit("lede.toml", "Serve fixture", "Serve fixture, renamed");
    let batch = rx.recv_timeout(DEADLINE).expect("a batch for lede.toml");
    assert_eq!(batch.paths, vec![std::path::PathBuf::from("lede.toml")]);
}

// ---------------------------------------------------------------------------------------
// Property test: whatever edits are made, the served snapshot equals a fresh full build
// (or, while the files do not build, the last build that did), and the diagnostics are
// those of a fresh full build. Rebuilds are told the changed paths, as the watcher tells
// them, so they take the incremental path wherever it applies.

#[derive(Debug, Clone)]
enum Edit {
    /// Rewrites the body of a page.
    Body(usize, String),
    /// Appends a link to a page's body: to a page, a quote, an anchor, or nothing.
    Link(usize, usize),
    /// Replaces text anywhere in a page (titles, weights, quotes, references).
    Replace(usize, usize),
    /// Adds (or overwrites) a valid note.
    AddNote(u8, String),
    Delete(usize),
    Rename(usize, u8),
    /// Adds a key lede does not know to a page's front matter.
    BreakFrontMatter(usize),
    /// Removes the keys `BreakFrontMatter` added.
    FixFrontMatter(usize),
    /// Adds text to a template's content block (`{{` breaks it).
    Template(usize, String),
    Static(String),
    RemoveStatic,
    Config(String),
}

/// Link targets: pages, a quote, anchors that may or may not exist, a page that does not.
const LINKS: [&str; 8] = [
    "@/notes/first.md",
    "@/notes/_index.md",
    "@/people/ann.md#jobs",
    "@/people/ben.md",
    "@/report.md#q-two-camps",
    "@/compare.md#cost",
    "@/compare.md#nope",
    "@/nope.md",
];

/// Replacements, each applied to the whole file and undone by its neighbour: front matter
/// edits (titles, weights, a quote's words, a reference) and body edits.
const REPLACE: [(&str, &str); 14] = [
    ("title = \"", "title = \"Re "),
    ("title = \"Re ", "title = \""),
    ("weight = 1", "weight = 3"),
    ("weight = 3", "weight = 1"),
    ("real jobs", "many jobs"),
    ("many jobs", "real jobs"),
    ("camps/yes.md", "camps/no.md"),
    ("camps/no.md", "camps/yes.md"),
    ("says", "said"),
    ("said", "says"),
    ("Lee", "Li"),
    ("Li", "Lee"),
    ("id = \"jobs\"", "id = \"work\""),
    ("id = \"work\"", "id = \"jobs\""),
];

/// Added to a template: reads of other pages through `get_section`, or a syntax error.
const TEMPLATE_TEXT: [&str; 3] = [
    "{% set first = get_page(ref=\"@/notes/first.md\") %}{{ first.title }}",
    "{% set home = get_section(ref=\"@/_index.md\") %}{{ home.title }}{% for p in home.pages %}{{ p.title }}{% endfor %}",
    "{{",
];

fn edit_strategy() -> impl Strategy<Value = Edit> {
    let text = "[a-z ]{0,12}";
    prop_oneof![
        3 => (0..16usize, text).prop_map(|(i, t)| Edit::Body(i, t)),
        2 => (0..16usize, 0..LINKS.len()).prop_map(|(i, l)| Edit::Link(i, l)),
        // Titles most often: every listing and every page that reads them shows them.
        6 => (0..16usize, prop_oneof![2 => 0..2usize, 3 => 0..REPLACE.len()])
            .prop_map(|(i, r)| Edit::Replace(i, r)),
        1 => (0..4u8, text).prop_map(|(n, t)| Edit::AddNote(n, t)),
        1 => (0..16usize).prop_map(Edit::Delete),
        1 => (0..16usize, 0..4u8).prop_map(|(i, n)| Edit::Rename(i, n)),
        1 => (0..16usize).prop_map(Edit::BreakFrontMatter),
        1 => (0..16usize).prop_map(Edit::FixFrontMatter),
        3 => (
            0..4usize,
            prop_oneof![
                1 => "[a-z ]{0,8}",
                3 => prop::sample::select(&TEMPLATE_TEXT[..]).prop_map(str::to_string)
            ]
        )
            .prop_map(|(i, t)| Edit::Template(i, t)),
        1 => text.prop_map(Edit::Static),
        1 => Just(Edit::RemoveStatic),
        1 => prop_oneof![text.prop_map(|t| t.to_string()), Just("\"".to_string())]
            .prop_map(Edit::Config),
    ]
}

/// The Markdown files of the site, sorted, as paths relative to the root.
fn pages(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = walkdir::WalkDir::new(root.join("content"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            e.path()
                .strip_prefix(root)
                .ok()
                .map(|p| p.to_string_lossy().into_owned())
        })
        .collect();
    v.sort();
    v
}

/// Makes `edit` in the site at `root`; returns the paths it wrote, removed or renamed
/// (relative to the root), as the watcher would report them.
fn apply(root: &Path, edit: &Edit) -> Vec<String> {
    let all = pages(root);
    let pick = |i: usize| all.get(i % all.len().max(1)).cloned();
    let front = |path: &str| -> Option<(String, String)> {
        let text = std::fs::read_to_string(root.join(path)).ok()?;
        let body_at = text.match_indices("+++").nth(1)?.0 + 3;
        Some((text[..body_at].to_string(), text[body_at..].to_string()))
    };
    let write = |path: &str, text: String| -> Option<Vec<String>> {
        std::fs::write(root.join(path), text).ok()?;
        Some(vec![path.to_string()])
    };
    let templates = ["base.html", "page.html", "section.html", "404.html"];
    let touched = match edit {
        Edit::Body(i, t) => pick(*i).and_then(|p| {
            let (head, _) = front(&p)?;
            write(&p, format!("{head}\n{t}\n"))
        }),
        Edit::Link(i, l) => pick(*i).and_then(|p| {
            let (head, body) = front(&p)?;
            write(&p, format!("{head}{body}\nSee [this]({}).\n", LINKS[*l]))
        }),
        Edit::Replace(i, r) => pick(*i).and_then(|p| {
            let text = std::fs::read_to_string(root.join(&p)).ok()?;
            let (from, to) = REPLACE[*r];
            write(&p, text.replacen(from, to, 1))
        }),
        Edit::AddNote(n, t) => {
            let _ = std::fs::create_dir_all(root.join("content/notes"));
            write(
                &format!("content/notes/new{n}.md"),
                format!("+++\ntitle = \"New {n}\"\nweight = {n}\n+++\n{t}\n"),
            )
        }
        Edit::Delete(i) => pick(*i).and_then(|p| {
            std::fs::remove_file(root.join(&p)).ok()?;
            Some(vec![p])
        }),
        Edit::Rename(i, n) => pick(*i).and_then(|p| {
            let to = format!("content/notes/moved{n}.md");
            let _ = std::fs::create_dir_all(root.join("content/notes"));
            std::fs::rename(root.join(&p), root.join(&to)).ok()?;
            Some(vec![p, to])
        }),
        Edit::BreakFrontMatter(i) => pick(*i).and_then(|p| {
            let (head, body) = front(&p)?;
            let head = head.replacen("+++\n", "+++\nnot_a_key = 1\n", 1);
            write(&p, format!("{head}{body}"))
        }),
        Edit::FixFrontMatter(i) => pick(*i).and_then(|p| {
            let text = std::fs::read_to_string(root.join(&p)).ok()?;
            write(&p, text.replace("not_a_key = 1\n", ""))
        }),
        Edit::Template(i, t) => {
            let p = format!("templates/{}", templates[i % templates.len()]);
            let mut text = std::fs::read_to_string(root.join(&p)).unwrap_or_default();
            // Inside the content block, so a template that extends another shows it.
            let block = "{% block content %}";
            let at = text.find(block).map_or(text.len(), |i| i + block.len());
            text.insert_str(at, t);
            write(&p, text)
        }
        Edit::Static(t) => write("static/style.css", t.clone()),
        Edit::RemoveStatic => {
            let p = "static/app.js";
            std::fs::remove_file(root.join(p))
                .ok()
                .map(|()| vec![p.to_string()])
        }
        Edit::Config(t) => {
            let text = std::fs::read_to_string(root.join("lede.toml")).unwrap_or_default();
            let text = text.replacen("title = \"", &format!("title = \"{t}"), 1);
            write("lede.toml", text)
        }
    };
    touched.unwrap_or_default()
}

/// What a client gets for every path of `files`, with the injected script removed.
fn served(live: &Live, files: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, Vec<u8>> {
    let state = live.state();
    files
        .keys()
        .filter_map(
            |path| match serve::route(live, &state, "GET", &format!("/{path}")) {
                serve::Route::Reply(r) if r.status == 200 => {
                    Some((path.clone(), serve::strip_injected(&r.body.0)))
                }
                _ => None,
            },
        )
        .collect()
}

/// Diagnostics as comparable text, in the order they are printed.
fn diag_lines(diags: &lede::diagnostics::Diagnostics) -> Vec<String> {
    diags
        .sorted()
        .into_iter()
        .map(|d| format!("{d}\n{:?}", d.hint))
        .collect()
}

/// How many cases: `LEDE_PROPTEST_CASES` (the long mode), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("LEDE_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// After every burst of `bursts` on a copy of `fixture`: the served site is byte for byte a
/// fresh full build (or the last one that passed), and the diagnostics are the same.
/// Returns how many of the rebuilds were incremental.
fn check_edits(fixture: &str, bursts: &[Vec<Edit>]) -> Result<usize, TestCaseError> {
    let site = TestSite::fixture(fixture);
    let root = site.path();
    let (live, first) = Live::new(root);
    prop_assert!(!first.diags.has_errors());
    let mut last_good = fresh_build(root).expect("fixture builds");
    let mut incremental = 0;
    for burst in bursts {
        let mut paths: Vec<std::path::PathBuf> = burst
            .iter()
            .flat_map(|e| apply(root, e))
            .map(std::path::PathBuf::from)
            .collect();
        paths.sort();
        paths.dedup();
        let rebuild = live.rebuild_changed(&lede::watch::Batch {
            paths,
            rescan: false,
        });
        incremental += usize::from(rebuild.incremental);
        let fresh = lede::build::render_site(root);
        prop_assert_eq!(
            diag_lines(&rebuild.diags),
            diag_lines(&fresh.diags),
            "diagnostics differ from a full build (incremental: {})",
            rebuild.incremental
        );
        let state = live.state();
        let site_now = state.site.as_deref().expect("a good build was served");
        let served_paths: Vec<&String> = site_now.files.keys().collect();
        match fresh_build(root) {
            Some(fresh) => {
                prop_assert!(state.errors.is_empty(), "{:?}", state.errors);
                last_good = fresh;
            }
            None => prop_assert!(!state.errors.is_empty(), "errors are shown"),
        }
        // Exactly the last good build's files, each with its bytes.
        prop_assert_eq!(served_paths, last_good.keys().collect::<Vec<_>>());
        let differ: Vec<&String> = last_good
            .keys()
            .filter(|k| served(&live, &last_good).get(*k) != last_good.get(*k))
            .collect();
        prop_assert!(
            differ.is_empty(),
            "served bytes differ (incremental: {}): {:?}",
            rebuild.incremental,
            differ
        );
    }
    Ok(incremental)
}

fn bursts() -> impl Strategy<Value = Vec<Vec<Edit>>> {
    prop::collection::vec(prop::collection::vec(edit_strategy(), 1..4), 1..9)
}

/// Rebuilds after `paths` changed, as the watcher reports them.
fn rebuild_after(live: &Live, paths: &[&str]) -> serve::Rebuild {
    live.rebuild_changed(&lede::watch::Batch {
        paths: paths.iter().map(std::path::PathBuf::from).collect(),
        rescan: false,
    })
}

/// The site is served exactly as a fresh build gives it.
fn assert_fresh(live: &Live, root: &Path) {
    let fresh = fresh_build(root).expect("the site builds");
    let state = live.state();
    let site = state.site.as_deref().expect("a site is served");
    let served: BTreeMap<String, Vec<u8>> = site
        .files
        .iter()
        .map(|(k, v)| (k.clone(), v.0.to_vec()))
        .collect();
    let differ: BTreeSet<&String> = served
        .keys()
        .chain(fresh.keys())
        .filter(|k| served.get(*k) != fresh.get(*k))
        .collect();
    assert!(
        differ.is_empty(),
        "the served site differs from a fresh build in {differ:?}"
    );
}

/// The real explainer in the default theme: its embeds, changes page and manifest come from
/// the publishing emitters, which every rebuild makes again; incremental edits of a quote, a
/// title and a body give exactly a fresh build, with and without a `base_url`.
#[test]
fn incremental_rebuilds_of_the_explainer_keep_the_emitters_output_exact() {
    for base in [None, Some("https://example.org/explainers/iran/")] {
        let site = TestSite::explainer();
        let root = site.path();
        if let Some(b) = base {
            let config = site.read("lede.toml");
            site.write("lede.toml", format!("base_url = \"{b}\"\n{config}"));
        }
        let (live, first) = Live::new(root);
        assert!(!first.diags.has_errors(), "{:?}", first.diags);
        assert_fresh(&live, root);
        let served = |path: &str| {
            live.state()
                .site
                .as_deref()
                .is_some_and(|s| s.files.contains_key(path))
        };
        assert!(
            served("embed/q-kin.html") && served("changes.html"),
            "emitters' pages are served"
        );

        let fig = "content/figures/pezeshkian.md";
        site.edit(
            fig,
            "title = \"Masoud Pezeshkian\"",
            "title = \"President Masoud Pezeshkian\"",
        );
        let r = rebuild_after(&live, &[fig]);
        assert!(r.incremental, "{r:?}");
        assert_fresh(&live, root);

        site.edit(
            fig,
            "text = \"speaks of cooperation with Baku in markedly friendly tones\"",
            "text = \"speaks of cooperation with Baku\"",
        );
        let r = rebuild_after(&live, &[fig]);
        assert!(r.incremental, "{r:?}");
        assert_fresh(&live, root);

        let term = "content/glossary/irgc.md";
        let body = site.read(term) + "\nOne more sentence of ours.\n";
        site.write(term, body);
        let r = rebuild_after(&live, &[term]);
        assert!(r.incremental, "{r:?}");
        assert_fresh(&live, root);
    }
}

#[test]
fn a_body_edit_renders_only_its_page_and_a_title_edit_its_listings() {
    let site = TestSite::fixture("serve");
    let root = site.path();
    let (live, first) = Live::new(root);
    assert!(!first.incremental && first.rendered == 5, "{first:?}");

    site.edit("content/notes/first.md", "says hello", "says hello again");
    let r = rebuild_after(&live, &["content/notes/first.md"]);
    assert!(r.incremental, "{r:?}");
    assert_eq!(r.rendered, 1, "only the edited page renders");
    assert_eq!(r.changed, ["notes/first.html"]);
    assert_fresh(&live, root);

    // The title is shown by the page, its section's list, and nowhere else.
    site.edit("content/notes/first.md", "First note", "Opening note");
    let r = rebuild_after(&live, &["content/notes/first.md"]);
    assert!(r.incremental, "{r:?}");
    assert_eq!(r.changed, ["notes/first.html", "notes/index.html"]);
    assert_eq!(r.rendered, 2, "the page and the section that lists it");
    assert_fresh(&live, root);

    // A weight reorders the section's list.
    site.edit("content/notes/second.md", "weight = 2", "weight = 0");
    let r = rebuild_after(&live, &["content/notes/second.md"]);
    assert!(r.incremental, "{r:?}");
    assert_eq!(r.changed, ["notes/index.html"]);
    assert_fresh(&live, root);
}

#[test]
fn a_template_no_other_names_renders_only_its_pages() {
    let site = TestSite::fixture("serve");
    let root = site.path();
    let (live, _) = Live::new(root);
    site.edit(
        "templates/page.html",
        "{{ page.content",
        "<b>x</b>{{ page.content",
    );
    let r = rebuild_after(&live, &["templates/page.html"]);
    assert!(r.incremental, "{r:?}");
    assert_eq!(r.rendered, 2, "the two notes use page.html");
    assert_eq!(r.changed, ["notes/first.html", "notes/second.html"]);
    assert_fresh(&live, root);
    // Broken, it keeps the last good site; fixed, it is a full build's again.
    site.edit("templates/page.html", "<b>x</b>", "{{ <b>x</b>");
    let r = rebuild_after(&live, &["templates/page.html"]);
    assert!(r.diags.has_errors(), "{r:?}");
    site.edit("templates/page.html", "{{ <b>x</b>", "<i>y</i>");
    let r = rebuild_after(&live, &["templates/page.html"]);
    assert!(!r.diags.has_errors(), "{r:?}");
    assert_fresh(&live, root);
}

#[test]
fn a_page_that_reads_another_renders_again_when_that_changes() {
    let site = TestSite::fixture("serve");
    let root = site.path();
    let (live, _) = Live::new(root);
    // Notes now show the home page's title, read through `get_section`.
    site.edit(
        "templates/page.html",
        "{% block content %}",
        "{% block content %}{% set home = get_section(ref=\"@/_index.md\") %}{{ home.title }}",
    );
    let r = rebuild_after(&live, &["templates/page.html"]);
    assert!(r.incremental, "{r:?}");
    site.edit("content/_index.md", "title = \"Home\"", "title = \"Start\"");
    let r = rebuild_after(&live, &["content/_index.md"]);
    assert!(r.incremental, "{r:?}");
    assert_eq!(
        r.changed,
        ["index.html", "notes/first.html", "notes/second.html"],
        "the home page and the two notes that read its title"
    );
    assert_fresh(&live, root);
    // A note's description is in its own value and its section's list, not in the
    // home page's value the notes read.
    site.edit(
        "content/notes/second.md",
        "The second note.",
        "The last note.",
    );
    let r = rebuild_after(&live, &["content/notes/second.md"]);
    assert!(r.incremental && r.rendered == 2, "{r:?}");
    assert_fresh(&live, root);
}

#[test]
fn a_broken_link_is_reported_then_fixed_incrementally() {
    let site = TestSite::fixture("serve");
    let root = site.path();
    let (live, _) = Live::new(root);
    site.edit(
        "content/notes/second.md",
        "@/notes/first.md",
        "@/notes/firts.md",
    );
    let r = rebuild_after(&live, &["content/notes/second.md"]);
    assert!(r.incremental && r.diags.has_errors(), "{r:?}");
    let text = diag_lines(&r.diags).join("\n");
    assert!(text.contains("content/notes/second.md:6"), "{text}");
    assert_eq!(
        diag_lines(&r.diags),
        diag_lines(&lede::build::render_site(root).diags)
    );
    site.edit(
        "content/notes/second.md",
        "@/notes/firts.md",
        "@/notes/first.md",
    );
    let r = rebuild_after(&live, &["content/notes/second.md"]);
    assert!(
        r.incremental && !r.diags.has_errors() && r.recovered,
        "{r:?}"
    );
    assert_fresh(&live, root);
}

#[test]
fn what_cannot_be_followed_locally_is_a_full_rebuild() {
    let site = TestSite::fixture("serve");
    let root = site.path();
    let (live, _) = Live::new(root);
    for (path, edit) in [
        ("templates/base.html", ("<main>", "<main class=\"m\">")),
        ("lede.toml", ("Serve fixture", "Served")),
        ("static/style.css", ("", "")),
    ] {
        site.edit(path, edit.0, edit.1);
        let r = rebuild_after(&live, &[path]);
        assert!(!r.incremental, "{path}: {r:?}");
        assert_fresh(&live, root);
    }
    site.write(
        "content/notes/third.md",
        "+++\ntitle = \"Third\"\n+++\nThree.\n",
    );
    let r = rebuild_after(&live, &["content/notes/third.md"]);
    assert!(!r.incremental, "a new page is a full rebuild");
    assert_fresh(&live, root);
    // A path lede never read and that is gone (an editor's probe file) changes nothing.
    let r = rebuild_after(&live, &["content/4913"]);
    assert!(
        r.incremental && r.rendered == 0 && r.changed.is_empty(),
        "{r:?}"
    );
}

/// A page that is a symlink to another file of content/: an edit names the target, never the
/// link, so every edit rebuilds the whole site, and both pages show it.
#[cfg(unix)]
#[test]
fn a_symlinked_page_makes_every_edit_a_full_rebuild() {
    let site = TestSite::fixture("serve");
    let root = site.path();
    std::os::unix::fs::symlink("first.md", root.join("content/notes/again.md")).expect("symlink");
    let (live, first) = Live::new(root);
    assert!(!first.diags.has_errors(), "{first:?}");
    site.edit("content/notes/first.md", "says hello", "says hello twice");
    let r = rebuild_after(&live, &["content/notes/first.md"]);
    assert!(!r.incremental, "{r:?}");
    assert_fresh(&live, root);
    let state = live.state();
    let files = &state.site.as_deref().expect("a site is served").files;
    for page in ["notes/first.html", "notes/again.html"] {
        let html = String::from_utf8_lossy(&files[page].0).into_owned();
        assert!(html.contains("says hello twice"), "{page}: {html}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(64), ..ProptestConfig::default() })]

    #[test]
    fn served_site_always_equals_a_fresh_build(bursts in bursts()) {
        check_edits("serve", &bursts)?;
    }

    /// The same on a site with a source page, quotes, excerpts, mentions, a comparison,
    /// backlinks and section schemas: every kind of read one page makes of another.
    #[test]
    fn incremental_rebuilds_of_an_explainer_equal_fresh_builds(bursts in bursts()) {
        check_edits("minimal", &bursts)?;
    }
}

/// Issue 13 item 3: out of file handles, the server keeps listening. Connections beyond the
/// limit wait; it says so once on stderr; once handles are free again it serves, and says so.
#[cfg(unix)]
#[test]
fn running_out_of_file_handles_degrades_and_recovers() {
    let site = TestSite::fixture("serve");
    let server = Served::start_with_handles(site.path(), 64);
    assert_eq!(server.get("/").status, 200);
    // 80 idle connections: more than the process has handles for.
    let hogs: Vec<TcpStream> = (0..80)
        .filter_map(|_| TcpStream::connect(server.addr).ok())
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    drop(hogs);
    eventually("the server to answer again", || {
        let mut s = TcpStream::connect(server.addr).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        write!(s, "GET / HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr).ok()?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).ok()?;
        (parse(&raw).status == 200).then_some(())
    });
    eventually("the notices", || {
        let err = server.err();
        (err.contains("out of file handles") && err.contains("serving resumed")).then_some(())
    });
    assert_eq!(
        server.err().matches("out of file handles").count(),
        1,
        "said once:\n{}",
        server.err()
    );
    for _ in 0..20 {
        assert_eq!(server.get("/").status, 200);
    }
}

/// Policy: a request head is capped in size and header count (431), so a client cannot make
/// the server grow; the server keeps serving.
#[test]
fn oversized_request_heads_are_refused() {
    let site = TestSite::fixture("serve");
    let server = Served::start(site.path(), &[]);
    let send = |head: String| -> u16 {
        let mut s = TcpStream::connect(server.addr).expect("connect");
        s.set_read_timeout(Some(DEADLINE)).expect("timeout");
        // The server may answer and close before it has read everything: ignore write errors.
        let _ = s.write_all(head.as_bytes());
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        parse(&raw).status
    };
    let addr = server.addr;
    let huge = format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\nX-Big: {}\r\n\r\n",
        "a".repeat(1024 * 1024)
    );
    assert_eq!(send(huge), 431);
    let many: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    assert_eq!(
        send(format!("GET / HTTP/1.1\r\nHost: {addr}\r\n{many}\r\n")),
        431
    );
    assert_eq!(server.get("/").status, 200);
}

/// Policy: against DNS rebinding, a server on loopback answers only requests whose `Host` is
/// a loopback name or its own address; `--bind` to another address accepts any.
#[test]
fn only_local_host_names_are_answered() {
    let site = TestSite::fixture("serve");
    let server = Served::start(site.path(), &[]);
    let with_host = |addr: SocketAddr, host: &str| -> u16 {
        let mut s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(DEADLINE)).expect("timeout");
        write!(
            s,
            "GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).expect("read");
        parse(&raw).status
    };
    let port = server.addr.port();
    assert_eq!(with_host(server.addr, &format!("evil.example:{port}")), 403);
    assert_eq!(with_host(server.addr, "attacker.test"), 403);
    assert_eq!(with_host(server.addr, &format!("localhost:{port}")), 200);
    assert_eq!(with_host(server.addr, &format!("127.0.0.1:{port}")), 200);
    let open = Served::start(site.path(), &["--bind", "0.0.0.0"]);
    assert_eq!(with_host(open.addr, "my-laptop.lan"), 200);
}

/// Connections are capped: 600 idle clients do not get 600 threads; the rest wait in the
/// backlog, and the server answers again once they leave.
#[cfg(target_os = "linux")]
#[test]
fn open_connections_are_capped() {
    let site = TestSite::fixture("serve");
    let server = Served::start(site.path(), &[]);
    let threads = || -> usize {
        std::fs::read_to_string(format!("/proc/{}/status", server.child.id()))
            .expect("status")
            .lines()
            .find_map(|l| l.strip_prefix("Threads:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("Threads:")
    };
    let idle: Vec<TcpStream> = (0..600)
        .filter_map(|_| TcpStream::connect(server.addr).ok())
        .collect();
    assert!(idle.len() >= 550, "connected {}", idle.len());
    std::thread::sleep(Duration::from_secs(1));
    let n = threads();
    // 512 connections at most (`http::MAX_CONNECTIONS`), plus the server's own threads.
    assert!(n <= 512 + 32, "{n} threads for 600 idle connections");
    drop(idle);
    eventually("the server to answer again", || {
        (server.get("/").status == 200).then_some(())
    });
}
