//! Incremental rebuilds: after a batch of changed files, redo only what they can change,
//! and give exactly what a full build of the files would.
//!
//! The [`Engine`] keeps every stage's result of the last build: the parsed pages, the
//! diagnostics as each stage left them, and per page its output, links, errors, template
//! and recorded reads ([`crate::deps`]). A batch is handled incrementally only when every
//! path in it is a Markdown page of the site, still a regular file that parses, neither the
//! source page nor becoming it, and keeping its URL (or a path lede never read and that is
//! gone). Then:
//! - a body-only edit (the front matter is byte for byte the same) re-renders that page;
//!   nothing else reads another page's body;
//! - a front matter edit re-indexes the site from the kept pages, re-runs validation and
//!   annotation (they read front matter and the source page only), rebuilds the template
//!   values, and re-renders each page whose own value, comparison, template, globals or
//!   marks changed, or one of whose recorded reads now gets another answer, or that had
//!   errors.
//!
//! The checks of the whole output (names, collisions, every link and fragment) run again
//! over the kept links of every page, which is cheap; diagnostics of unchanged pages are
//! kept. The publishing emitters' documents and files (changes page, embeds, manifest, and
//! with `base_url` the head tags, sitemap and feed) are made again on every rebuild: they
//! read the whole site and cost little. Anything else (templates, static files, `lede.toml`, creating, deleting or renaming
//! a page, a file that does not parse, a rescan) is a full rebuild.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::base_url::{self, BaseUrl};
use crate::build::{self, Checked};
use crate::deps::Read;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::emit::{Publish, ThemeFiles};
use crate::links::{self, PageLinks};
use crate::load::{CONTENT_DIR, ContentFile, CopiedFile, TEMPLATES_DIR, TextFile};
use crate::model::Model;
use crate::render::{self, Output, PageResult, Renderer};
use crate::site::{self, Page, Site};
use crate::theme::{ShareFont, THEME_FILE, Theme};

use super::live::{Bytes, Snapshot};

/// What one page's render left: its output, links and errors, and what it read.
struct PageRender {
    output: Option<(String, Bytes)>,
    scan: Option<PageLinks>,
    errors: Vec<Diagnostic>,
    /// The template it was rendered with (a change of `template` or `page_template`).
    template: String,
    reads: Vec<Read>,
}

impl PageRender {
    fn new(rendered: PageResult, template: String) -> Self {
        let (result, reads) = rendered;
        let (output, scan, errors) = match result {
            Ok(o) => {
                let scan = links::scan(&o);
                (
                    Some((o.path, Bytes(Arc::new(o.bytes)))),
                    Some(scan),
                    Vec::new(),
                )
            }
            Err(errors) => (None, None, errors),
        };
        PageRender {
            output,
            scan,
            errors,
            template,
            reads,
        }
    }

    /// Still what a render would give, if its own inputs are unchanged: every read gets
    /// the answer it got. A page with errors always renders again.
    fn reads_hold(&self, site: &Site, model: &Model) -> bool {
        self.errors.is_empty() && self.reads.iter().all(|r| r.holds(site, model))
    }
}

/// A changed path, as the engine follows it.
enum Change {
    /// Not there, and never read.
    Nothing,
    /// A page of the site (its index), parsed again.
    Page(usize, Box<Page>),
    /// A template (its index among the templates) and its new text.
    Template(usize, String),
}

/// The result of a build: the site to serve if it passed, and every diagnostic.
pub struct Outcome {
    pub snapshot: Option<Snapshot>,
    pub diags: Diagnostics,
    /// How many pages were rendered for it.
    pub rendered: usize,
}

/// Every stage's result of the last build of a site, kept to rebuild after a change.
pub struct Engine {
    root: PathBuf,
    templates: Vec<TextFile>,
    statics: Vec<CopiedFile>,
    /// The theme's font files (share images) and where the site is published.
    theme_fonts: Vec<CopiedFile>,
    share_font: Option<ShareFont>,
    base: Option<BaseUrl>,
    /// The `publish` globals templates saw when the kept pages rendered.
    publish_globals: serde_json::Value,
    /// The static files' bytes, or why one could not be read.
    static_bytes: Vec<Result<(String, Bytes), Diagnostic>>,
    site: Site,
    renderer: Renderer,
    checked: Checked,
    /// Diagnostics once every file was read and parsed.
    parsed: Diagnostics,
    /// Diagnostics once the content was checked, before rendering.
    before_render: Diagnostics,
    pages: Vec<PageRender>,
    not_found: Option<PageRender>,
    /// A content file is a symlink: an edit of its target would not name it.
    symlinks: bool,
}

impl Engine {
    /// A full build of `root`, kept for later changes (`None` when it stopped before
    /// rendering: the config or a template failed to load).
    pub fn full(root: &Path) -> (Option<Engine>, Outcome) {
        let mut diags = Diagnostics::default();
        let Some(sources) = build::read_sources(root, &mut diags) else {
            return (None, failed(diags));
        };
        let base = match base_url::resolve(&sources.config, None) {
            Ok(b) => b,
            Err(d) => {
                diags.push(d);
                return (None, failed(diags));
            }
        };
        let parsed = diags.clone();
        let site = build::assemble(
            sources.config,
            sources.pages,
            sources.drafts,
            &sources.theme,
            &mut diags,
        );
        if !build::check_output_tree(root, &site, &sources.statics, &mut diags) {
            return (None, failed(diags));
        }
        let checked = build::check_content(&site, &mut diags);
        let theme = ThemeFiles {
            templates: &sources.templates,
            fonts: &sources.theme_fonts,
            share_font: sources.theme.share_font.as_ref(),
        };
        let publish_globals =
            Publish::new(&site, base.clone(), theme, root, None, &mut diags).globals();
        let Some(renderer) = Renderer::new(&site, &sources.templates, &publish_globals, &mut diags)
        else {
            build::check_output(
                root,
                &site,
                &[],
                &sources.statics,
                &checked,
                base.as_ref(),
                &mut diags,
            );
            return (None, failed(diags));
        };
        let before_render = diags;
        let pages = render_pages(&site, &renderer, &checked, 0..site.pages.len());
        let not_found = render_not_found(&site, &renderer);
        let static_bytes = sources.statics.par_iter().map(read_static).collect();
        let engine = Engine {
            root: root.to_path_buf(),
            templates: sources.templates,
            statics: sources.statics,
            share_font: sources.theme.share_font.clone(),
            theme_fonts: sources.theme_fonts,
            base,
            publish_globals,
            static_bytes,
            site,
            renderer,
            checked,
            parsed,
            before_render,
            pages: pages.into_iter().map(|(_, p)| p).collect(),
            not_found,
            symlinks: sources.symlinked_content,
        };
        let rendered = engine.pages.len() + usize::from(engine.not_found.is_some());
        let outcome = engine.outcome();
        (
            Some(engine),
            Outcome {
                rendered,
                ..outcome
            },
        )
    }

    /// Rebuilds after `changed` (paths relative to the root) when their effects are known
    /// to be local; `None` otherwise, and then the engine may be half updated: the caller
    /// must replace it by a full build.
    pub fn update(&mut self, changed: &[PathBuf]) -> Option<Outcome> {
        if self.symlinks {
            return None;
        }
        let mut edits = Vec::new();
        let mut templates = Vec::new();
        for path in changed {
            match self.change(path)? {
                Change::Nothing => {}
                Change::Page(i, page) => edits.push((i, *page)),
                Change::Template(i, text) => templates.push((i, text)),
            }
        }
        let (dirty, not_found) = match (edits.is_empty(), templates.is_empty()) {
            (_, true) => self.update_pages(edits)?,
            (true, false) => self.update_templates(templates)?,
            (false, false) => return None,
        };
        let rendered = dirty.len() + usize::from(not_found);
        for (i, p) in render_pages(&self.site, &self.renderer, &self.checked, dirty) {
            self.pages[i] = p;
        }
        Some(Outcome {
            rendered,
            ..self.outcome()
        })
    }

    /// Edited pages: a body-only edit renders just the page; a front matter edit goes
    /// through [`Engine::refresh_model`].
    fn update_pages(&mut self, edits: Vec<(usize, Page)>) -> Option<(Vec<usize>, bool)> {
        let body_only = edits
            .iter()
            .all(|(i, page)| page.same_head(self.site.page(*i)));
        let edited: HashSet<usize> = edits.iter().map(|(i, _)| *i).collect();
        if body_only {
            // Same front matter, so the same place in the site; the new page holds the body.
            for (i, page) in edits {
                self.site.reread(i, page);
            }
            return Some((edited.into_iter().collect(), false));
        }
        self.refresh_model(edits, &edited)
    }

    /// Edited templates that no other template names (so none extends, includes or imports
    /// them): the pages rendered with one of them render again, and `404.html` if it is
    /// one. Any other template edit is a full rebuild.
    fn update_templates(&mut self, edits: Vec<(usize, String)>) -> Option<(Vec<usize>, bool)> {
        let mut templates = self.templates.clone();
        for (i, text) in edits.iter().cloned() {
            templates[i].text = text;
        }
        let names: Vec<&str> = edits
            .iter()
            .map(|(i, _)| templates[*i].rel.as_str())
            .collect();
        let named_elsewhere = |name: &str| {
            let others =
                |set: &[TextFile]| set.iter().any(|t| t.rel != name && t.text.contains(name));
            others(&templates) || others(&self.templates)
        };
        if names.iter().any(|n| named_elsewhere(n)) {
            return None;
        }
        let mut diags = self.before_render.clone();
        let renderer = Renderer::new(&self.site, &templates, &self.publish_globals, &mut diags)?;
        let dirty = (0..self.pages.len())
            .filter(|&i| {
                let kept = &self.pages[i];
                !kept.errors.is_empty() || names.contains(&kept.template.as_str())
            })
            .collect();
        let not_found = names.contains(&render::NOT_FOUND_TEMPLATE)
            || self
                .not_found
                .as_ref()
                .is_some_and(|p| !p.errors.is_empty());
        self.templates = templates;
        self.renderer = renderer;
        if not_found {
            self.not_found = render_not_found(&self.site, &self.renderer);
        }
        Some((dirty, not_found))
    }

    /// What a changed path is to the engine; `None` when it is not one it follows. A path
    /// that is not there and never was read is nothing.
    fn change(&self, path: &Path) -> Option<Change> {
        let abs = self.root.join(path);
        let meta = std::fs::symlink_metadata(&abs);
        if meta.is_err() && !self.ever_read(path) {
            return Some(Change::Nothing);
        }
        if !meta.ok()?.file_type().is_file() {
            return None;
        }
        if let Ok(rel) = path.strip_prefix(TEMPLATES_DIR) {
            let rel = slash_path(rel)?;
            let i = self.templates.iter().position(|t| t.rel == rel)?;
            if rel == THEME_FILE {
                return None;
            }
            let text = crate::load::read_utf8(&self.templates[i].shown, &abs).ok()?;
            return Some(Change::Template(i, text));
        }
        let rel = slash_path(path.strip_prefix(CONTENT_DIR).ok()?)?;
        if !rel.ends_with(".md") {
            return None;
        }
        let i = self
            .site
            .pages
            .binary_search_by(|p| p.rel.as_str().cmp(&rel))
            .ok()?;
        let old = self.site.page(i);
        let file = ContentFile {
            rel,
            shown: old.shown.clone(),
            abs,
        };
        // A page that became a draft leaves the site: a full build.
        let site::Parsed::Page(page) =
            site::parse_file(file, &site::BodyBudget::new(usize::MAX)).ok()?
        else {
            return None;
        };
        let same_place = page.url == old.url && page.is_section == old.is_section;
        if old.fm.source || page.fm.source || !same_place {
            return None;
        }
        Some(Change::Page(i, Box::new(page)))
    }

    /// Whether the last build read `path` or anything under it.
    fn ever_read(&self, path: &Path) -> bool {
        let under = |p: &Path| p.starts_with(path);
        path.as_os_str() == crate::watch::CONFIG_FILE
            || self.site.pages.iter().any(|p| under(&p.shown))
            || self.templates.iter().any(|t| under(&t.shown))
            || self
                .statics
                .iter()
                .any(|s| s.abs.strip_prefix(&self.root).is_ok_and(under))
            || self.parsed.error_paths().into_iter().any(under)
    }

    /// Puts the edited pages into the site and redoes the stages between parsing and
    /// rendering (and renders `404.html` again if it needs to); returns the pages to render
    /// again, and whether `404.html` was.
    fn refresh_model(
        &mut self,
        edits: Vec<(usize, Page)>,
        edited: &HashSet<usize>,
    ) -> Option<(Vec<usize>, bool)> {
        let mut pages = std::mem::take(&mut self.site.pages);
        for (i, page) in edits {
            pages[i] = page;
        }
        let theme = Theme {
            strings: self.site.strings.clone(),
            contract: self.site.contract.clone(),
            share_font: self.share_font.clone(),
        };
        let mut diags = self.parsed.clone();
        let site = build::assemble(
            self.site.config.clone(),
            pages,
            self.site.drafts.clone(),
            &theme,
            &mut diags,
        );
        let checked = build::check_content(&site, &mut diags);
        let publish_globals = self.publish(&site, &mut diags).globals();
        let renderer = Renderer::new(&site, &self.templates, &publish_globals, &mut diags)?;
        let everything = renderer.globals != self.renderer.globals;
        let marks_changed = checked.annotations != self.checked.annotations;
        let (old, new) = (self.renderer.model(), renderer.model());
        let dirty = (0..site.pages.len())
            .into_par_iter()
            .filter(|&i| {
                let kept = &self.pages[i];
                everything
                    || edited.contains(&i)
                    || (marks_changed && site.source == Some(i))
                    || !old.same_page(new, i)
                    || old.compares.get(&i) != new.compares.get(&i)
                    || render::template_for(&site, site.page(i)) != kept.template
                    || !kept.reads_hold(&site, new)
            })
            .collect();
        let not_found_stale = self
            .not_found
            .as_ref()
            .is_some_and(|p| everything || !p.reads_hold(&site, new));
        self.site = site;
        self.renderer = renderer;
        self.checked = checked;
        self.publish_globals = publish_globals;
        self.before_render = diags;
        if not_found_stale {
            self.not_found = render_not_found(&self.site, &self.renderer);
        }
        Some((dirty, not_found_stale))
    }

    /// The publishing emitters for `site`, as a full build makes them (no manifest to
    /// compare with: serve publishes nothing).
    fn publish<'s>(&'s self, site: &'s Site, diags: &mut Diagnostics) -> Publish<'s> {
        let theme = ThemeFiles {
            templates: &self.templates,
            fonts: &self.theme_fonts,
            share_font: self.share_font.as_ref(),
        };
        Publish::new(site, self.base.clone(), theme, &self.root, None, diags)
    }

    /// The diagnostics and, if there are no errors, the site, from what every stage left,
    /// in the order a full build reports them.
    fn outcome(&self) -> Outcome {
        // Its own diagnostics were kept in `before_render` when the model was last made.
        let publish = self.publish(&self.site, &mut Diagnostics::default());
        let mut diags = self.before_render.clone();
        let rendered_from = diags.len();
        let rendered = self.pages.iter().chain(&self.not_found);
        for d in rendered.clone().flat_map(|p| &p.errors) {
            diags.push(d.clone());
        }
        let mut extra: Vec<(Output, PageLinks)> = Vec::new();
        for r in publish.documents(&self.renderer) {
            match r {
                Ok(o) => extra.push(finished(&publish, o)),
                Err(ds) => ds.into_iter().for_each(|d| diags.push(d)),
            }
        }
        build::drop_link_echoes(&self.checked, rendered_from, &mut diags);
        if !diags.has_errors() {
            for o in publish.files(&mut diags) {
                extra.push(finished(&publish, o));
            }
        }
        let scans: Vec<&PageLinks> = rendered
            .clone()
            .filter_map(|p| p.scan.as_ref())
            .chain(extra.iter().map(|(_, l)| l))
            .collect();
        build::check_output(
            &self.root,
            &self.site,
            &scans,
            &self.statics,
            &self.checked,
            publish.base.as_ref(),
            &mut diags,
        );
        if diags.has_errors() {
            return failed(diags);
        }
        let mut snapshot = Snapshot::default();
        for (path, bytes) in rendered.filter_map(|p| p.output.as_ref()) {
            let bytes = match publish.base {
                // Head tags need the base URL; without it a page is served as rendered.
                Some(_) => {
                    let o = Output {
                        path: path.clone(),
                        bytes: bytes.0.to_vec(),
                    };
                    Bytes(Arc::new(publish.finish(o).bytes))
                }
                None => bytes.clone(),
            };
            snapshot.files.insert(path.clone(), bytes);
        }
        for (o, _) in extra {
            snapshot.files.insert(o.path, Bytes(Arc::new(o.bytes)));
        }
        for s in &self.static_bytes {
            match s {
                Ok((rel, bytes)) => {
                    snapshot.files.insert(rel.clone(), bytes.clone());
                }
                Err(d) => diags.push(d.clone()),
            }
        }
        if diags.has_errors() {
            return failed(diags);
        }
        Outcome {
            snapshot: Some(snapshot),
            diags,
            rendered: 0,
        }
    }
}

/// An emitter's output as a full build hands it on: head tags added, links scanned.
fn finished(publish: &Publish<'_>, o: Output) -> (Output, PageLinks) {
    let o = publish.finish(o);
    let links = links::scan(&o);
    (o, links)
}

fn failed(diags: Diagnostics) -> Outcome {
    Outcome {
        snapshot: None,
        diags,
        rendered: 0,
    }
}

/// Renders pages `which` in parallel, recording what each reads.
fn render_pages(
    site: &Site,
    renderer: &Renderer,
    checked: &Checked,
    which: impl IntoParallelIterator<Item = usize>,
) -> Vec<(usize, PageRender)> {
    which
        .into_par_iter()
        .map(|i| {
            let template = render::template_for(site, site.page(i));
            let rendered = renderer.page(site, i, &checked.annotations, true);
            (i, PageRender::new(rendered, template.to_string()))
        })
        .collect()
}

fn render_not_found(site: &Site, renderer: &Renderer) -> Option<PageRender> {
    let rendered = renderer.not_found(site, true)?;
    Some(PageRender::new(rendered, render::NOT_FOUND_TEMPLATE.into()))
}

fn read_static(s: &CopiedFile) -> Result<(String, Bytes), Diagnostic> {
    std::fs::read(&s.abs)
        .map(|b| (s.rel.clone(), Bytes(Arc::new(b))))
        .map_err(|e| {
            Diagnostic::error(
                Path::new(crate::load::STATIC_DIR).join(&s.rel),
                1,
                format!("cannot read the file: {e}"),
            )
        })
}

/// A relative path with `/` separators (`None` if not UTF-8).
fn slash_path(rel: &Path) -> Option<String> {
    let parts: Vec<&str> = rel.iter().map(|c| c.to_str()).collect::<Option<_>>()?;
    Some(parts.join("/"))
}
