//! `lede init DIR --source FILE`: a complete site that builds at once, from an article
//! saved as text.
//!
//! It writes `lede.toml`, the article as the source page, the sections with their schemas,
//! one draft figure page per speaker the quotation finder proposes, and the default theme.
//! It never overwrites a file: `--force` only lets it fill in what is missing in a
//! non-empty folder.

pub mod pages;
pub mod source_text;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::quotations::{self, Findings, report};

/// What `lede init` was asked to do.
pub struct Options {
    pub dir: PathBuf,
    pub source: PathBuf,
    pub title: Option<String>,
    pub force: bool,
}

/// What it did.
pub struct Outcome {
    pub written: Vec<String>,
    /// Files that already existed and were left as they were.
    pub kept: Vec<String>,
    /// The finder's report on the article.
    pub report: String,
    pub findings: Findings,
}

pub fn run(opts: &Options) -> anyhow::Result<Outcome> {
    check_folder(&opts.dir, opts.force)?;
    let source = source_text::read(&opts.source, opts.title.as_deref())?;
    let findings = quotations::find(&source.body);
    let mut files: Vec<(String, Vec<u8>)> = pages::site_files(&source, &findings)
        .into_iter()
        .map(|(rel, text)| (rel, text.into_bytes()))
        .collect();
    // Theme files as they are: the share-image font is binary.
    files.extend(
        crate::default_theme::FILES
            .iter()
            .map(|(rel, bytes)| (rel.to_string(), bytes.to_vec())),
    );
    let mut written = Vec::new();
    let mut kept = Vec::new();
    for (rel, bytes) in &files {
        if write_new(&opts.dir, rel, bytes)? {
            written.push(rel.clone());
        } else {
            kept.push(rel.clone());
        }
    }
    let article = opts.dir.join("content/article.md");
    let shown = article.display().to_string();
    let origin = report::Origin {
        path: &shown,
        line_offset: pages::article_header_lines(&source),
    };
    let report = report::render(&origin, &source.body, &findings, None);
    Ok(Outcome {
        written,
        kept,
        report,
        findings,
    })
}

/// DIR must be new or empty, unless `force`.
fn check_folder(dir: &Path, force: bool) -> anyhow::Result<()> {
    if dir.exists() && !dir.is_dir() {
        bail!(
            "{} exists and is not a folder: give a new folder's name",
            dir.display()
        );
    }
    if !dir.is_dir() || force {
        return Ok(());
    }
    let mut entries: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if entries.is_empty() {
        return Ok(());
    }
    entries.sort();
    let more = if entries.len() > 3 { ", …" } else { "" };
    entries.truncate(3);
    bail!(
        "{} is not empty (it holds {}{more}): give a new folder, or pass --force to add only \
         the files that are missing (lede init never overwrites a file)",
        dir.display(),
        entries.join(", ")
    )
}

/// Writes `rel` under `dir` unless it exists; returns whether it wrote.
fn write_new(dir: &Path, rel: &str, bytes: &[u8]) -> anyhow::Result<bool> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the folder {}", parent.display()))?;
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path);
    match file {
        Ok(mut f) => {
            f.write_all(bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
    }
}
