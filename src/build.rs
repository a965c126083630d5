//! The pipeline, end to end: load → parse → validate → render → check links → write.
//! `check` stops before writing; `build` writes only when nothing failed.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::diagnostics::{Diagnostic, Diagnostics, Failed};
use crate::emit::Publish;
use crate::links::{self, Origin, PageLinks};
use crate::load::{self, CopiedFile};
use crate::render::{self, Output};
use crate::site::Site;
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

/// Runs every stage, handing each rendered page to `keep` as soon as it exists (see
/// [`render::render_site`]); only the page's ids and links stay behind for the link check.
fn run<T: Send>(
    root: &Path,
    opts: &Options,
    keep: &(dyn Fn(Output) -> Result<T, Diagnostic> + Sync),
) -> Rendered<T> {
    let mut diags = Diagnostics::default();
    let failed = |diags| Rendered {
        outputs: Vec::new(),
        statics: Vec::new(),
        diags,
    };
    let config = match config::load(root) {
        Ok(c) => c,
        Err(d) => {
            diags.push(d);
            return failed(diags);
        }
    };
    let base = match base_url::resolve(&config, opts.base_url.as_deref()) {
        Ok(b) => b,
        Err(d) => {
            diags.push(d);
            return failed(diags);
        }
    };
    let inputs = load::load(root, &mut diags);
    let theme = crate::theme::load(&inputs.templates, &config, &mut diags);
    let mut site = Site::build(config, inputs.content, &mut diags);
    site.strings = theme.strings;
    site.contract = theme.contract;
    let verified = validate::validate(&site, &mut diags);
    let annotations = annotate::source_annotations(&site, &verified, &mut diags);
    let publish = Publish::new(
        &site,
        base,
        (&inputs.templates, &inputs.theme_fonts),
        root,
        opts.output.as_deref(),
        &mut diags,
    );
    let sink = |o: Output| {
        let o = publish.finish(o);
        let links = links::scan(&o);
        keep(o).map(|kept| (links, kept))
    };
    let mut scanned = render::render_site(
        &site,
        &inputs.templates,
        &annotations,
        &mut diags,
        &publish.globals(),
        &sink,
        &|r| publish.documents(r),
    );
    if !diags.has_errors() {
        for o in publish.files(&mut diags) {
            match sink(o) {
                Ok(s) => scanned.push(s),
                Err(d) => diags.push(d),
            }
        }
    }
    let (scans, outputs): (Vec<PageLinks>, Vec<T>) = scanned.into_iter().unzip();
    check_collisions(&scans, &inputs.statics, &mut diags);
    if !diags.has_errors() {
        let origins: HashMap<&str, Origin<'_>> = site
            .pages
            .iter()
            .map(|p| {
                let template = render::template_for(&site, p);
                (p.url.as_str(), Origin { page: p, template })
            })
            .collect();
        let statics: Vec<String> = inputs.statics.iter().map(|s| s.rel.clone()).collect();
        links::check(
            &scans,
            &statics,
            &origins,
            publish.base.as_ref(),
            &mut diags,
        );
    }
    Rendered {
        outputs,
        statics: inputs.statics,
        diags,
    }
}

fn check_collisions(pages: &[PageLinks], statics: &[CopiedFile], diags: &mut Diagnostics) {
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
pub fn build(root: &Path, out: &Path, opts: &Options) -> Result<Summary> {
    let start = Instant::now();
    let staging = write::Staging::create(root, out)?;
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
    staging.publish()?;
    Ok(Summary {
        pages: r.outputs.iter().filter(|&&page| page).count(),
        // Static files, and what the emitters wrote besides pages (images, sitemap, feed, …).
        files: r.statics.len() + r.outputs.iter().filter(|&&page| !page).count(),
        elapsed: start.elapsed(),
        warnings: r.diags,
    })
}
