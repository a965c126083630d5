//! `lede serve` latency: the time from writing a content file to its new page being served
//! over HTTP, median over 50 edits.
//!
//! ```sh
//! cargo bench --bench serve_latency                 # the explainer and a 1,000-page site
//! cargo bench --bench serve_latency -- SITE [SITE…] # other sites
//! ```
//!
//! Each site is copied to a temp folder (the edits never touch the original) and served
//! in-process by `lede::serve::start` with the default debounce, exactly as `lede serve`
//! does. For each edit the bench appends a unique marker to one page's Markdown, waits for
//! the server to swap in a new build, and stops the clock once that page, fetched over
//! HTTP, has the marker. The 1,000-page site is
//! written by `benches/gen_corpus.py` (needs python3). Targets: explainer < 30 ms,
//! 1,000 pages < 100 ms.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use lede::serve;

const EDITS: usize = 50;

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; anything else is a site folder.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let work = std::env::temp_dir().join(format!("lede-serve-bench-{}", std::process::id()));
    let mut sites: Vec<(String, PathBuf, Option<u64>)> = Vec::new();
    if args.is_empty() {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let explainer_builds = !lede::build::render_site(&repo).diags.has_errors();
        if explainer_builds {
            sites.push(("explainer".into(), repo.clone(), Some(30)));
        } else {
            eprintln!("note: the explainer does not build yet; using tests/fixtures/serve");
            sites.push((
                "fixture".into(),
                repo.join("tests/fixtures/serve"),
                Some(30),
            ));
        }
        let corpus = work.join("corpus");
        let generated = std::process::Command::new("python3")
            .arg(repo.join("benches/gen_corpus.py"))
            .args(["--pages", "1000", "--out"])
            .arg(&corpus)
            .stdout(std::process::Stdio::null())
            .status();
        match generated {
            Ok(s) if s.success() => {
                sites.push(("1,000 pages".into(), corpus.join("lede"), Some(100)))
            }
            _ => {
                eprintln!("note: could not run benches/gen_corpus.py; skipping the 1,000-page site")
            }
        }
    } else {
        for a in args {
            sites.push((a.clone(), PathBuf::from(a), None));
        }
    }
    let mut ok = true;
    println!(
        "| site | pages | full render (median) | write → served: median | p90 | min | max | target |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (i, (name, src, target)) in sites.iter().enumerate() {
        let copy = work.join(format!("site{i}"));
        if let Err(e) = copy_site(src, &copy) {
            eprintln!("{name}: cannot copy {}: {e}", src.display());
            ok = false;
            continue;
        }
        match measure(&copy) {
            Ok(m) => {
                let med = median(&m.latencies);
                let target_txt = target.map_or("–".to_string(), |t| format!("< {t} ms"));
                println!(
                    "| {name} | {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {target_txt} |",
                    m.pages,
                    ms(median(&m.renders)),
                    ms(med),
                    ms(percentile(&m.latencies, 0.9)),
                    ms(m.latencies.iter().copied().min().unwrap_or_default()),
                    ms(m.latencies.iter().copied().max().unwrap_or_default()),
                );
                if let Some(t) = target
                    && med > Duration::from_millis(*t)
                {
                    eprintln!("{name}: median {:.1} ms is over the {t} ms target", ms(med));
                }
            }
            Err(e) => {
                eprintln!("{name}: {e}");
                ok = false;
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

struct Measured {
    pages: usize,
    latencies: Vec<Duration>,
    renders: Vec<Duration>,
}

fn measure(root: &Path) -> Result<Measured, String> {
    let mut opts = serve::Options::new(root);
    opts.port = Some(0);
    opts.verbose = false;
    let server = serve::start(&opts).map_err(|e| format!("{e:#}"))?;
    let state = server.live.state();
    let site = state.site.as_deref().ok_or("the site does not build")?;
    let pages = site.files.keys().filter(|k| k.ends_with(".html")).count();
    let md = page_to_edit(root).ok_or("no page to edit")?;
    let original = std::fs::read_to_string(&md).map_err(|e| e.to_string())?;

    // Find which output the file becomes: the page that shows a first marker.
    let probe = "lede-bench-probe";
    std::fs::write(&md, format!("{original}\n{probe}\n")).map_err(|e| e.to_string())?;
    let url = wait_until(Duration::from_secs(20), || {
        let state = server.live.state();
        let site = state.site.as_deref()?;
        site.files
            .iter()
            .find(|(k, v)| k.ends_with(".html") && contains(&v.0, probe.as_bytes()))
            .map(|(k, _)| format!("/{k}"))
    })
    .ok_or("the edited page never showed up")?;

    let mut latencies = Vec::with_capacity(EDITS);
    let mut renders = Vec::with_capacity(EDITS);
    for i in 0..EDITS {
        let marker = format!("lede-bench-marker-{i}");
        let text = format!("{original}\n{marker}\n");
        let mut seen = server.live.state().version;
        let start = Instant::now();
        std::fs::write(&md, text).map_err(|e| e.to_string())?;
        // Sleep until the server swaps in a new state (no polling to steal the CPU from
        // the rebuild), then check over HTTP that the page is served.
        let deadline = start + Duration::from_secs(20);
        loop {
            let state = server.live.wait_newer(seen, Duration::from_secs(1));
            seen = state.version;
            if let Some(body) = get(server.addr, &url)
                && contains(&body, marker.as_bytes())
            {
                break;
            }
            if Instant::now() > deadline {
                return Err(format!("edit {i} was never served"));
            }
        }
        latencies.push(start.elapsed());
        // Let the watcher go idle, so that the next edit is a batch of its own.
        std::thread::sleep(Duration::from_millis(60));
        let t = Instant::now();
        let _ = lede::build::render_site(root);
        renders.push(t.elapsed());
    }
    let _ = std::fs::write(&md, original);
    Ok(Measured {
        pages,
        latencies,
        renders,
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
        std::thread::sleep(Duration::from_micros(500));
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
