//! The floor: the least work any generator must do for a Markdown site.
//!
//! Reads every `.md` file under a folder, cuts off the `+++` front matter,
//! renders the body with pulldown-cmark (the Markdown parser lede uses) and
//! writes the HTML to the same relative path with `.html`, in parallel on all
//! cores (rayon, like lede). No templates, no references, no checks: how far
//! lede stands above this is what its own work costs.
//!
//! ```sh
//! cargo bench --bench floor -- SITE/content OUT
//! ```
//!
//! `benches/vs-hugo.py` builds it once and runs the binary directly.
//!
//! With `--two-pass` it first reads every file's front matter (up to its closing `+++`,
//! nothing kept) and only then renders: the least a generator must do when any page may
//! list any other page's title, as lede's sections, navigation and link checks do.

use std::path::{Path, PathBuf};

use pulldown_cmark::{Options, Parser, html};
use rayon::prelude::*;

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    Ok(())
}

/// The body after the closing `+++` line, or the whole text without front matter.
fn body(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("+++\n") else {
        return text;
    };
    match rest.find("\n+++\n") {
        Some(i) => &rest[i + 5..],
        None => text,
    }
}

/// Reads `path` up to the end of its front matter (or the whole file if it has none), in
/// 4 KiB reads into one reused buffer; returns how many bytes that took.
fn read_front_matter(path: &Path) -> usize {
    use std::io::Read;
    let mut file = std::fs::File::open(path).expect("open");
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = file.read(&mut chunk).expect("read");
        head.extend_from_slice(&chunk[..n]);
        let closed = head.len() > 4 && memchr::memmem::find(&head[4..], b"\n+++\n").is_some();
        if n == 0 || closed {
            return head.len();
        }
    }
}

fn main() {
    let two_pass = std::env::args().any(|a| a == "--two-pass");
    // `cargo bench` passes `--bench`; ignore any other flag.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let [src, out] = args.as_slice() else {
        eprintln!(
            "usage: floor [--two-pass] CONTENT_DIR OUTPUT_DIR (benches/vs-hugo.py runs it; see README, Benchmarks)"
        );
        // a bare `cargo bench` runs this with no paths: nothing to measure is not a failure
        std::process::exit(if args.is_empty() { 0 } else { 2 });
    };
    let (src, out) = (Path::new(src), Path::new(out));
    let mut files = Vec::new();
    collect(src, &mut files).unwrap_or_else(|e| {
        eprintln!("floor: cannot read {}: {e}", src.display());
        std::process::exit(1);
    });
    files.sort();
    if two_pass {
        let heads: usize = files.par_iter().map(|p| read_front_matter(p)).sum();
        eprintln!("floor: read {heads} bytes of front matter first");
    }
    let bytes: usize = files
        .par_iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).expect("read");
            let body = body(&text);
            let mut html = String::with_capacity(body.len() * 3 / 2);
            html.push_str("<!doctype html>\n<main>\n");
            html::push_html(&mut html, Parser::new_ext(body, Options::empty()));
            html.push_str("</main>\n");
            let rel = path
                .strip_prefix(src)
                .expect("under src")
                .with_extension("html");
            let dest = out.join(rel);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).expect("mkdir");
            }
            std::fs::write(&dest, &html).expect("write");
            html.len()
        })
        .sum();
    println!("floor: {} files, {} bytes of HTML", files.len(), bytes);
}
