//! Stage 1: find and read every input file (content, templates, static files).
//!
//! Nothing here interprets a file; it only makes sure each one is readable UTF-8 text that
//! lives inside the site, so that later stages never meet a path that escapes it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::diagnostics::{Diagnostic, Diagnostics};

pub const CONTENT_DIR: &str = "content";
pub const TEMPLATES_DIR: &str = "templates";
pub const STATIC_DIR: &str = "static";

/// A text file read from the site, named by its path relative to its folder.
#[derive(Debug, Clone)]
pub struct TextFile {
    /// Path under its folder, `/`-separated: `figures/velayati.md`.
    pub rel: String,
    /// Path as shown to people: `content/figures/velayati.md`.
    pub shown: PathBuf,
    pub text: String,
}

/// A Markdown file of `content/`, found but not yet read. Bodies are most of a site's bytes,
/// so the content model reads each file once to parse it and again when the page renders
/// (see `site::Page::body`) rather than holding every body at once.
#[derive(Debug, Clone)]
pub struct ContentFile {
    /// Path under `content/`, `/`-separated: `figures/velayati.md`.
    pub rel: String,
    /// Path as shown to people: `content/figures/velayati.md`.
    pub shown: PathBuf,
    /// Where to read it.
    pub abs: PathBuf,
}

impl ContentFile {
    /// The file's text, which must be UTF-8.
    pub fn read(&self) -> Result<String, Diagnostic> {
        read_utf8(&self.shown, &self.abs)
    }
}

/// A file copied as is: where it goes in the output, and where it is read from.
#[derive(Debug, Clone)]
pub struct CopiedFile {
    pub rel: String,
    pub abs: PathBuf,
}

#[derive(Debug, Default)]
pub struct Inputs {
    pub content: Vec<ContentFile>,
    pub templates: Vec<TextFile>,
    pub statics: Vec<CopiedFile>,
    /// The theme's binary files under `templates/fonts/` (fonts for share images): found,
    /// not read, and never published.
    pub theme_fonts: Vec<CopiedFile>,
    /// Whether a Markdown file of `content/` is a symlink: an edit of its target names the
    /// target, not the page, so `serve` cannot tell which page changed.
    pub symlinked_content: bool,
}

/// The folder of `templates/` that holds the theme's font files (binary, not templates).
pub const FONTS_DIR: &str = "fonts/";

/// Reads everything under `root`; problems go to `diags`, readable files are returned.
pub fn load(root: &Path, diags: &mut Diagnostics) -> Inputs {
    let content = walk(root, CONTENT_DIR, diags);
    let symlinked_content = content.symlinks.iter().any(|rel| rel.ends_with(".md"));
    let (markdown, assets): (Vec<_>, Vec<_>) = content
        .files
        .into_iter()
        .partition(|(rel, _)| rel.ends_with(".md"));
    let (misnamed, assets): (Vec<_>, Vec<_>) = assets
        .into_iter()
        .partition(|(rel, _)| misnamed_markdown(rel));
    for (rel, _) in misnamed {
        let stem = rel.rsplit_once('.').map_or(rel.as_str(), |(s, _)| s);
        diags.push(
            Diagnostic::error(
                Path::new(CONTENT_DIR).join(&rel),
                1,
                format!("`{rel}` looks like Markdown, but only `.md` files are pages: it would be published as it is"),
            )
            .with_hint(format!("rename it to content/{stem}.md")),
        );
    }
    if !root.join(CONTENT_DIR).is_dir() {
        diags.push(
            Diagnostic::error(CONTENT_DIR, 1, "no content/ folder in the site root")
                .with_hint("run lede from the site folder, or pass --root DIR"),
        );
    }
    let (theme_fonts, templates): (Vec<_>, Vec<_>) = walk(root, TEMPLATES_DIR, diags)
        .files
        .into_iter()
        .partition(|(rel, _)| rel.starts_with(FONTS_DIR));
    let statics = copied_files(walk(root, STATIC_DIR, diags).files, assets, diags);
    Inputs {
        content: markdown
            .into_iter()
            .map(|(rel, abs)| ContentFile {
                shown: Path::new(CONTENT_DIR).join(&rel),
                rel,
                abs,
            })
            .collect(),
        templates: read_all(TEMPLATES_DIR, templates, diags),
        statics,
        theme_fonts: theme_fonts
            .into_iter()
            .map(|(rel, abs)| CopiedFile { rel, abs })
            .collect(),
        symlinked_content,
    }
}

/// The files copied as they are: `static/` and the non-Markdown files of `content/`, sorted.
/// A path present in both would be written twice into one output file (a mix of the two),
/// so it is an error, and only the `static/` one is kept.
fn copied_files(
    statics: Vec<(String, PathBuf)>,
    assets: Vec<(String, PathBuf)>,
    diags: &mut Diagnostics,
) -> Vec<CopiedFile> {
    let in_static: HashSet<&str> = statics.iter().map(|(rel, _)| rel.as_str()).collect();
    let clashing: HashSet<String> = assets
        .iter()
        .filter(|(rel, _)| in_static.contains(rel.as_str()))
        .map(|(rel, _)| rel.clone())
        .collect();
    for (rel, _) in assets.iter().filter(|(rel, _)| clashing.contains(rel)) {
        diags.push(
            Diagnostic::error(
                Path::new(CONTENT_DIR).join(rel),
                1,
                format!(
                    "`{rel}` is in both content/ and static/: both would be written to the same output file"
                ),
            )
            .with_hint(format!(
                "keep one of content/{rel} and static/{rel}, or rename one"
            )),
        );
    }
    let mut out: Vec<CopiedFile> = statics
        .into_iter()
        .chain(
            assets
                .into_iter()
                .filter(|(rel, _)| !clashing.contains(rel)),
        )
        .map(|(rel, abs)| CopiedFile { rel, abs })
        .collect();
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out
}

/// What [`walk`] found: every regular file, sorted, as (relative path, absolute path), and
/// the relative paths of those that are symlinks (known from the walk, so no `stat` later).
#[derive(Default)]
struct Walked {
    files: Vec<(String, PathBuf)>,
    symlinks: Vec<String>,
}

/// Every regular file under `root/dir` (see [`Walked`]).
fn walk(root: &Path, dir: &str, diags: &mut Diagnostics) -> Walked {
    let base = root.join(dir);
    if !base.is_dir() {
        return Walked::default();
    }
    let canonical_base = base.canonicalize().unwrap_or_else(|_| base.clone());
    let mut found = Walked::default();
    let mut walker = WalkDir::new(&base).sort_by_file_name().into_iter();
    while let Some(entry) = walker.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let shown = e.path().map_or_else(|| base.clone(), Path::to_path_buf);
                diags.push(Diagnostic::error(shown, 1, format!("cannot read: {e}")));
                continue;
            }
        };
        let path = entry.path();
        if entry.depth() > 0 && is_skipped(entry.file_name().as_encoded_bytes()) {
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
            }
            continue;
        }
        let symlink = entry.path_is_symlink();
        // The directory entry's type spares a `stat` per file; only a symlink is followed.
        let is_file = if symlink {
            path.is_file()
        } else {
            entry.file_type().is_file()
        };
        if !is_file && !symlink {
            if !entry.file_type().is_dir() {
                // A FIFO or a device would block or never end a read: named, not read.
                diags.push(
                    Diagnostic::warning(
                        Path::new(dir).join(relative(path, &base)),
                        1,
                        "not a regular file (a pipe, socket or device): skipped",
                    )
                    .with_hint("replace it with a regular file, or delete it"),
                );
            }
            continue;
        }
        let rel = relative(path, &base);
        if let Some((why, hint)) = symlink
            .then(|| bad_symlink(path, &canonical_base))
            .flatten()
        {
            diags.push(Diagnostic::error(Path::new(dir).join(&rel), 1, why).with_hint(hint));
            continue;
        }
        if is_file {
            if symlink {
                found.symlinks.push(rel.clone());
            }
            found.files.push((rel, path.to_path_buf()));
        }
    }
    found
}

/// A name the site never reads or publishes: hidden (`.git`, `.DS_Store`, an editor's swap
/// file) or an editor's backup or autosave (`page.md~`, `page.md.bak`, `#page.md#`), which
/// may hold what a draft or an edit took out. The watcher ignores the same names.
pub fn is_skipped(name: &[u8]) -> bool {
    let ends_with = |ext: &[u8]| {
        name.len() >= ext.len() && name[name.len() - ext.len()..].eq_ignore_ascii_case(ext)
    };
    name.starts_with(b".")
        || name.ends_with(b"~")
        || (name.len() > 1 && name.starts_with(b"#") && name.ends_with(b"#"))
        || [&b".bak"[..], b".orig", b".swp", b".swo", b".tmp"]
            .into_iter()
            .any(ends_with)
}

/// A Markdown file named so that lede would copy it as it is (`page.MD`, `page.markdown`).
fn misnamed_markdown(rel: &str) -> bool {
    let ext = rel.rsplit_once('.').map_or("", |(_, e)| e);
    ext != "md" && ["md", "markdown", "mdown", "mkd"].contains(&ext.to_ascii_lowercase().as_str())
}

/// What is wrong with a symlink, and what to do: it points to nothing, or outside the folder.
fn bad_symlink(path: &Path, base: &Path) -> Option<(&'static str, &'static str)> {
    match path.canonicalize() {
        Err(_) => Some((
            "symlink points to nothing (its target is missing, or it links to itself)",
            "point it at a file that exists, or delete it",
        )),
        Ok(target) if !target.starts_with(base) => Some((
            "symlink points outside the site folder",
            "copy the file into the site instead of linking to it",
        )),
        Ok(_) => None,
    }
}

/// `path` under `base`, `/`-separated. The walk joins names one by one, so the path has no
/// `.` or doubled separator to normalise: only Windows' separator needs replacing.
fn relative(path: &Path, base: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path).to_string_lossy();
    match std::path::MAIN_SEPARATOR {
        '/' => rel.into_owned(),
        sep => rel.replace(sep, "/"),
    }
}

fn read_all(dir: &str, files: Vec<(String, PathBuf)>, diags: &mut Diagnostics) -> Vec<TextFile> {
    let results: Vec<Result<TextFile, Diagnostic>> = files
        .into_par_iter()
        .map(|(rel, abs)| read_text(dir, rel, &abs))
        .collect();
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(f) => out.push(f),
            Err(d) => diags.push(d),
        }
    }
    out
}

fn read_text(dir: &str, rel: String, abs: &Path) -> Result<TextFile, Diagnostic> {
    let shown = Path::new(dir).join(&rel);
    let text = read_utf8(&shown, abs)?;
    Ok(TextFile { rel, shown, text })
}

/// Reads `abs` as UTF-8, naming it `shown` in errors.
pub fn read_utf8(shown: &Path, abs: &Path) -> Result<String, Diagnostic> {
    let bytes = std::fs::read(abs)
        .map_err(|e| Diagnostic::error(shown, 1, format!("cannot read the file: {e}")))?;
    utf8(shown, bytes)
}

/// `bytes` as text, or an error at the line of the first byte that is not UTF-8.
pub fn utf8(shown: &Path, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..valid].iter().filter(|b| **b == b'\n').count() + 1;
        Diagnostic::error(
            shown,
            line,
            format!("not valid UTF-8 (bad byte at offset {valid})"),
        )
        .with_hint("re-save the file as UTF-8 in your editor")
    })
}
