//! The pipeline, end to end: load → parse → validate → render → check links → write.
//! `check` stops before writing; `build` writes only when nothing failed.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::annotate::SourceMarks;
use crate::base_url::BaseUrl;
use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics, Failed};
use crate::emit::{Publish, ThemeFiles};
use crate::links::{self, Origin, PageLinks};
use crate::load::{self, CopiedFile, TextFile};
use crate::render::{self, Output};
use crate::site::{Page, Site};
use crate::theme::Theme;
use crate::{annotate, base_url, config, validate, write};

/// What a run is asked beyond the site folder.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--base-url`: overrides `lede.toml`'s `base_url`.
    pub base_url: Option<String>,
    /// The published output whose manifest the change check compares against.
    pub output: Option<std::path::PathBuf>,
}

/// A rendered site: what the sink kept of each page, the static files, and everything the
/// checks found.
pub struct Rendered<T> {
    pub outputs: Vec<T>,
    pub statics: Vec<CopiedFile>,
    pub diags: Diagnostics,
}

/// Runs every stage except writing and keeps the pages in memory (for `serve` and tests).
pub fn render_site(root: &Path) -> Rendered<Output> {
    run(root, &Options::default(), &Ok)
}

/// The site's files, read and parsed: what the stages after parsing start from.
pub struct Sources {
    pub config: Config,
    pub templates: Vec<TextFile>,
    pub statics: Vec<CopiedFile>,
    /// Font files of the theme (for share images).
    pub theme_fonts: Vec<CopiedFile>,
    pub theme: Theme,
    /// Every content page that parsed (drafts left out).
    pub pages: Vec<Page>,
    /// Whether a Markdown file of `content/` is a symlink ([`load::Inputs`]).
    pub symlinked_content: bool,
    /// References of the drafts (`@/…`), left out.
    pub drafts: std::collections::BTreeSet<String>,
}

/// Stages 1–2: the config, every file, the theme and each page's front matter. `None` when
/// the config cannot be read (nothing else can be checked without it).
pub fn read_sources(root: &Path, diags: &mut Diagnostics) -> Option<Sources> {
    let config = match config::load(root) {
        Ok(c) => c,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let inputs = load::load(root, diags);
    let theme = crate::theme::load(&inputs.templates, &config, diags);
    let keep = crate::site::BodyBudget::for_build(inputs.content.len());
    let (pages, drafts) = crate::site::parse_pages(inputs.content, &keep, diags);
    Some(Sources {
        config,
        templates: inputs.templates,
        statics: inputs.statics,
        theme_fonts: inputs.theme_fonts,
        theme,
        pages,
        symlinked_content: inputs.symlinked_content,
        drafts,
    })
}

/// The content model of parsed pages, with the theme's strings and contract.
pub fn assemble(
    config: Config,
    pages: Vec<Page>,
    drafts: std::collections::BTreeSet<String>,
    theme: &Theme,
    diags: &mut Diagnostics,
) -> Site {
    let mut site = Site::assemble(config, pages, diags);
    site.drafts = drafts;
    site.strings = theme.strings.clone();
    site.contract = theme.contract.clone();
    site
}

/// What the content checks leave for rendering and the output checks.
pub struct Checked {
    pub annotations: SourceMarks,
    /// Diagnostics before this mark are about files that failed to load or parse.
    pub mark: usize,
    /// How messages name those files ([`Diagnostics::drop_consequences`]).
    pub failed: Vec<String>,
    /// Broken `@/` links in content Markdown and references in `[extra]`, reported at their
    /// file by validation.
    pub broken_links: Vec<String>,
}

/// Stage 3: validation and the source page's annotations.
pub fn check_content(site: &Site, diags: &mut Diagnostics) -> Checked {
    // Everything reported so far is about a file that could not be read or parsed; what
    // later stages say about such a file only follows from it.
    let mark = diags.len();
    let failed = failed_file_mentions(diags);
    let verified = validate::validate(site, diags);
    let annotations = annotate::source_annotations(site, &verified, diags);
    Checked {
        annotations,
        mark,
        failed,
        broken_links: verified.broken_links,
    }
}

/// A broken link or reference in content was reported at its file; the template rendering
/// or looking it up (reported after `from`) would report the same cause again.
pub fn drop_link_echoes(checked: &Checked, from: usize, diags: &mut Diagnostics) {
    let echoes: Vec<String> = checked
        .broken_links
        .iter()
        .flat_map(|r| {
            [
                format!("markdown: broken link: `{r}`"),
                format!("`{r}` does not exist"),
            ]
        })
        .collect();
    diags.drop_consequences(from, &echoes);
}

/// Stage 5: the rendered output as a whole: names, collisions, static CSS, and (when
/// nothing failed so far) every link; then drops what only follows from a failed file.
pub fn check_output(
    root: &Path,
    site: &Site,
    scans: &[&PageLinks],
    statics: &[CopiedFile],
    checked: &Checked,
    base: Option<&BaseUrl>,
    diags: &mut Diagnostics,
) {
    check_collisions(scans, statics, diags);
    check_output_names(root, site, statics, diags);
    check_static_css(root, statics, diags);
    if !diags.has_errors() {
        let origins: HashMap<&str, Origin<'_>> = site
            .pages
            .iter()
            .map(|p| {
                let template = render::template_for(site, p);
                (p.url.as_str(), Origin { page: p, template })
            })
            .collect();
        let statics: Vec<String> = statics.iter().map(|s| s.rel.clone()).collect();
        links::check(scans, &statics, &origins, base, diags);
    }
    diags.drop_consequences(checked.mark, &checked.failed);
}

/// Runs every stage, handing each rendered page to `keep` as soon as it exists (see
/// [`render::render_site`]); only the page's ids and links stay behind for the link check.
fn run<T: Send>(
    root: &Path,
    opts: &Options,
    keep: &(dyn Fn(Output) -> Result<T, Diagnostic> + Sync),
) -> Rendered<T> {
    let mut diags = Diagnostics::default();
    let Some(sources) = read_sources(root, &mut diags) else {
        return Rendered {
            outputs: Vec::new(),
            statics: Vec::new(),
            diags,
        };
    };
    let base = match base_url::resolve(&sources.config, opts.base_url.as_deref()) {
        Ok(b) => b,
        Err(d) => {
            diags.push(d);
            return Rendered {
                outputs: Vec::new(),
                statics: Vec::new(),
                diags,
            };
        }
    };
    let site = assemble(
        sources.config,
        sources.pages,
        sources.drafts,
        &sources.theme,
        &mut diags,
    );
    if !check_output_tree(root, &site, &sources.statics, &mut diags) {
        // No build can write both: nothing is rendered until one is renamed.
        return Rendered {
            outputs: Vec::new(),
            statics: Vec::new(),
            diags,
        };
    }
    let checked = check_content(&site, &mut diags);
    let theme = ThemeFiles {
        templates: &sources.templates,
        fonts: &sources.theme_fonts,
        share_font: sources.theme.share_font.as_ref(),
    };
    let publish = Publish::new(&site, base, theme, root, opts.output.as_deref(), &mut diags);
    let rendered_from = diags.len();
    let known: rustc_hash::FxHashSet<&str> = site
        .pages
        .iter()
        .map(|p| p.url.as_str())
        .chain(sources.statics.iter().map(|s| s.rel.as_str()))
        .collect();
    let sink = |o: Output| {
        let o = publish.finish(o);
        let mut links = links::scan(&o);
        links.settle(&known, publish.base.as_ref());
        keep(o).map(|kept| (links, kept))
    };
    let mut scanned = render::render_site(
        &site,
        &sources.templates,
        &checked.annotations,
        &mut diags,
        &publish.globals(),
        &sink,
        &|r| publish.documents(r),
    );
    drop_link_echoes(&checked, rendered_from, &mut diags);
    if !diags.has_errors() {
        for o in publish.files(&mut diags) {
            match sink(o) {
                Ok(s) => scanned.push(s),
                Err(d) => diags.push(d),
            }
        }
    }
    let scans: Vec<&PageLinks> = scanned.iter().map(|(links, _)| links).collect();
    let base = publish.base.as_ref();
    check_output(
        root,
        &site,
        &scans,
        &sources.statics,
        &checked,
        base,
        &mut diags,
    );
    drop(scans);
    Rendered {
        outputs: scanned.into_iter().map(|(_, kept)| kept).collect(),
        statics: sources.statics,
        diags,
    }
}

/// How later messages name a file that failed to load: `@/people/ann.md` and
/// `content/people/ann.md` for content, `'base.html'` and `` `base.html` `` for templates.
fn failed_file_mentions(diags: &Diagnostics) -> Vec<String> {
    let mut mentions = Vec::new();
    for path in diags.error_paths() {
        let rel = |dir: &str| {
            path.strip_prefix(dir)
                .ok()
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .filter(|r| !r.is_empty())
        };
        if let Some(r) = rel(load::CONTENT_DIR) {
            mentions.push(format!("{}{r}", crate::site::REF_PREFIX));
            mentions.push(format!("{}/{r}", load::CONTENT_DIR));
        } else if let Some(r) = rel(load::TEMPLATES_DIR) {
            mentions.push(format!("'{r}'"));
            mentions.push(format!("`{r}`"));
        }
    }
    mentions.sort();
    mentions.dedup();
    mentions
}

/// No output file may stand where another output needs a folder (`static/people` beside the
/// pages `people/…`, `content/x.md` beside `content/x.html/_index.md`): the write would fail
/// halfway. `false` when one does (reported, naming both sources).
pub fn check_output_tree(
    root: &Path,
    site: &Site,
    statics: &[CopiedFile],
    diags: &mut Diagnostics,
) -> bool {
    let mut sorted: Vec<(&str, &Path)> = output_sources(root, site, statics).collect();
    sorted.sort_unstable();
    let outputs: HashMap<&str, &Path> = sorted.iter().copied().collect();
    let mut ok = true;
    for (path, from) in &sorted {
        let folders = path.match_indices('/').map(|(i, _)| &path[..i]);
        for folder in folders {
            if let Some(file_from) = outputs.get(folder) {
                ok = false;
                diags.push(
                    Diagnostic::error(
                        file_from,
                        1,
                        format!(
                            "the output `{folder}` (from {}) is a file, but `{path}` (from {}) needs a folder by that name",
                            file_from.display(),
                            from.display()
                        ),
                    )
                    .with_hint("rename one of the two"),
                );
            }
        }
    }
    ok
}

/// Every output path known before rendering (pages and static files), with the source file
/// it comes from as people see it.
fn output_sources<'a>(
    root: &'a Path,
    site: &'a Site,
    statics: &'a [CopiedFile],
) -> impl Iterator<Item = (&'a str, &'a Path)> {
    let pages = site
        .pages
        .iter()
        .map(|p| (p.url.as_str(), p.shown.as_path()));
    let statics = statics
        .iter()
        .map(move |s| (s.rel.as_str(), s.abs.strip_prefix(root).unwrap_or(&s.abs)));
    pages.chain(statics)
}

fn check_collisions(pages: &[&PageLinks], statics: &[CopiedFile], diags: &mut Diagnostics) {
    let pages: HashSet<&str> = pages.iter().map(|p| p.path.as_str()).collect();
    for s in statics.iter().filter(|s| pages.contains(s.rel.as_str())) {
        diags.push(
            Diagnostic::error(
                &s.abs,
                1,
                format!("static file `{}` has the same output path as a page", s.rel),
            )
            .with_hint("rename the static file or the page"),
        );
    }
}

/// Characters that change what a URL means: a file named with one cannot be linked to as
/// written (`a#b.html` is `a` and a fragment, `a:b.html` a URL of scheme `a`, and browsers
/// read `\\` as `/`).
const URL_SPECIAL: [char; 5] = ['#', '?', '%', ':', '\\'];

/// Every output file must have a name a URL can carry as written, and no two may differ only
/// in case: on macOS and Windows (case-insensitive file systems) one would overwrite the other.
fn check_output_names(root: &Path, site: &Site, statics: &[CopiedFile], diags: &mut Diagnostics) {
    let outputs = output_sources(root, site, statics);
    let mut by_case: HashMap<String, (&str, &Path)> = HashMap::with_capacity(site.pages.len());
    for (path, shown) in outputs {
        if let Some(c) = path
            .chars()
            .find(|c| URL_SPECIAL.contains(c) || c.is_control())
        {
            diags.push(
                Diagnostic::error(
                    shown,
                    1,
                    format!("the output file `{path}` has `{}` in its name, which a URL cannot carry as written", c.escape_default()),
                )
                .with_hint("rename the file (a page can also set `slug`); letters, digits, `-`, `_` and `.` are safe"),
            );
        }
        let lower = path.to_lowercase();
        match by_case.get(&lower) {
            Some((other, other_shown)) if *other != path => diags.push(
                Diagnostic::error(
                    shown,
                    1,
                    format!(
                        "the output files `{path}` and `{other}` (from {}) differ only in case: on macOS and Windows one overwrites the other",
                        other_shown.display()
                    ),
                )
                .with_hint("rename one of them"),
            ),
            _ => {
                by_case.insert(lower, (path, shown));
            }
        }
    }
}

/// Static CSS may not fetch from another host (`url(…)`, `@import`), like the pages.
fn check_static_css(root: &Path, statics: &[CopiedFile], diags: &mut Diagnostics) {
    for s in statics
        .iter()
        .filter(|s| s.rel.to_ascii_lowercase().ends_with(".css"))
    {
        let shown = s.abs.strip_prefix(root).unwrap_or(&s.abs);
        if let Ok(css) = std::fs::read_to_string(&s.abs) {
            links::check_css(shown, &css, diags);
        }
    }
}

/// Checks the site without writing anything.
pub fn check(root: &Path, opts: &Options, deny_warnings: bool) -> Result<Diagnostics, Failed> {
    let r = run(root, opts, &|_| Ok(()));
    if r.diags.has_errors() || (deny_warnings && r.diags.warnings() > 0) {
        return Err(Failed(r.diags));
    }
    Ok(r.diags)
}

pub struct Summary {
    pub pages: usize,
    pub files: usize,
    pub elapsed: Duration,
    pub warnings: Diagnostics,
}

/// Checks, renders, and replaces `out` with the new site, or fails leaving `out` untouched.
/// Pages are written to a hidden work folder as they render; only a build without errors
/// is swapped into place.
pub fn build(root: &Path, out: &Path, opts: &Options, wait: write::Wait) -> Result<Summary> {
    let start = Instant::now();
    let staging = write::Staging::create(root, out, wait)?;
    let opts = Options {
        output: Some(out.to_path_buf()),
        ..opts.clone()
    };
    let r = run(root, &opts, &|o| {
        let is_page = o.path.ends_with(".html");
        staging
            .write(&o.path, &o.bytes)
            .map(|()| is_page)
            .map_err(|e| {
                Diagnostic::error(out.join(&o.path), 1, format!("{e:#}"))
                    .with_hint("check the free space and permissions of the output folder")
            })
    });
    if r.diags.has_errors() {
        return Err(Failed(r.diags).into()); // dropping `staging` deletes the work folder
    }
    staging.copy_statics(&r.statics)?;
    let mut warnings = r.diags;
    for w in staging.publish()? {
        warnings.push(w);
    }
    Ok(Summary {
        pages: r.outputs.iter().filter(|&&page| page).count(),
        // Static files, and what the emitters wrote besides pages (images, sitemap, feed, …).
        files: r.statics.len() + r.outputs.iter().filter(|&&page| !page).count(),
        elapsed: start.elapsed(),
        warnings,
    })
}
