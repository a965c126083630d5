//! The emitters: every file of the output besides the content pages themselves. The build
//! renders the pages (`render.rs`), then hands each to [`Publish::finish`] and asks
//! [`Publish::documents`] and [`Publish::files`] for the rest. Each emitter is one module:
//!
//! | module | emits | needs `base_url` |
//! | --- | --- | --- |
//! | [`head`] | canonical link, Open Graph and Twitter tags, put into each page's `<head>` | yes |
//! | [`jsonld`] | the JSON-LD block of each page, from the content model | yes |
//! | [`share_image`] | 1200×630 PNG share cards (home, figures, quotations), cached | yes |
//! | [`sitemap`] | `sitemap.xml` and `robots.txt` | yes |
//! | [`feed`] | `feed.xml`, an Atom feed of updates and corrections | yes |
//! | [`changes`] | `changes.html`, every update and correction (theme template `changes.html`) | no |
//! | [`embeds`] | `embed/…html`, standalone quotation and comparison-row embeds (theme template `embed.html`) | no |
//! | [`manifest`] | `.lede-manifest.json`: hashes of quotations and comparison cells, for `lede check` | no |
//!
//! Without `base_url` nothing here writes an absolute URL, so the site stays a portable folder.

pub mod changes;
pub mod embeds;
pub mod feed;
pub mod head;
pub mod jsonld;
pub mod manifest;
pub mod share_image;
pub mod sitemap;
mod text_layout;

use std::collections::HashMap;
use std::path::Path;

use crate::base_url::BaseUrl;
use crate::diagnostics::Diagnostics;
use crate::load::{CopiedFile, TextFile};
use crate::render::{Output, Renderer};
use crate::site::{Kind, Site};
use crate::updates::{self, Entry};

/// What the emitters take from the theme: its templates, its font files and the share-image
/// font its declaration names.
#[derive(Clone, Copy)]
pub struct ThemeFiles<'a> {
    pub templates: &'a [TextFile],
    pub fonts: &'a [CopiedFile],
    pub share_font: Option<&'a crate::theme::ShareFont>,
}

/// Everything the emitters share: the site, where it is published, and what they plan to write.
pub struct Publish<'a> {
    pub site: &'a Site,
    pub base: Option<BaseUrl>,
    pub entries: Vec<Entry<'a>>,
    pub embeds: Vec<embeds::Embed>,
    pub images: share_image::Images,
    by_url: HashMap<&'a str, usize>,
    /// Embeds by output path.
    embed_at: HashMap<String, usize>,
    /// Whether the theme has a `changes.html` (else there is no changes page to link to).
    has_changes: bool,
    previous: Option<manifest::Manifest>,
}

impl<'a> Publish<'a> {
    /// Plans every emitter's output. `output` is the published folder whose manifest the
    /// change check compares against (none for `serve`).
    pub fn new(
        site: &'a Site,
        base: Option<BaseUrl>,
        theme: ThemeFiles<'_>,
        root: &Path,
        output: Option<&Path>,
        diags: &mut Diagnostics,
    ) -> Publish<'a> {
        let images = share_image::Images::plan(site, base.is_some(), theme, root, diags);
        let embeds = embeds::plan(site);
        let p = Publish {
            site,
            entries: updates::all(site),
            embed_at: embeds
                .iter()
                .enumerate()
                .map(|(i, e)| (e.path.clone(), i))
                .collect(),
            embeds,
            images,
            by_url: site
                .pages
                .iter()
                .enumerate()
                .map(|(i, p)| (p.url.as_str(), i))
                .collect(),
            previous: output.and_then(manifest::read),
            has_changes: theme.templates.iter().any(|t| t.rel == changes::TEMPLATE),
            base,
        };
        changes::check_path(&p, diags);
        check_notes(site, diags);
        p
    }

    /// Values templates see as `publish`.
    pub fn globals(&self) -> serde_json::Value {
        let embeds: serde_json::Map<String, serde_json::Value> = self
            .embeds
            .iter()
            .map(|e| (e.key.clone(), e.value(self)))
            .collect();
        serde_json::json!({
            "base_url": self.base.as_ref().map_or("", BaseUrl::as_str),
            "changes_url": if self.has_changes { changes::PATH } else { "" },
            "feed_url": if self.base.is_some() { feed::PATH } else { "" },
            "embeds": embeds,
        })
    }

    /// A page as rendered, with the publishing tags added to its `<head>`.
    pub fn finish(&self, o: Output) -> Output {
        head::add(self, o)
    }

    /// The documents rendered through the theme: the changes page and the embeds.
    pub fn documents(
        &self,
        r: &Renderer,
    ) -> Vec<Result<Output, Vec<crate::diagnostics::Diagnostic>>> {
        let mut out = Vec::new();
        if let Some(c) = changes::render(self, r) {
            out.push(c);
        }
        out.extend(embeds::render(self, r));
        out
    }

    /// The files that are not HTML: sitemap, robots.txt, feed, share images, manifest.
    pub fn files(&self, diags: &mut Diagnostics) -> Vec<Output> {
        let mut out = Vec::new();
        if let Some(base) = &self.base {
            out.push(sitemap::sitemap(self, base));
            out.push(sitemap::robots(base));
            out.push(feed::feed(self, base));
        }
        out.extend(self.images.render(diags));
        let now = manifest::Manifest::of(self.site);
        if let Some(prev) = &self.previous {
            manifest::compare(self.site, prev, &now, diags);
        }
        out.push(now.output());
        out
    }

    /// The embed rendered at `path`, if it is one.
    pub fn embed_at(&self, path: &str) -> Option<&embeds::Embed> {
        self.embed_at.get(path).map(|&i| &self.embeds[i])
    }

    /// The page rendered at `path`, if it is a content page.
    pub fn page_at(&self, path: &str) -> Option<usize> {
        self.by_url.get(path).copied()
    }

    /// The absolute URL of a path relative to the site root (`None` without `base_url`);
    /// the home page's is the base URL itself.
    pub fn abs(&self, rel: &str) -> Option<String> {
        let base = self.base.as_ref()?;
        Some(if rel == "index.html" {
            base.as_str().to_string()
        } else {
            base.join(rel)
        })
    }
}

/// Every `@/` link in an update's note must land, reported at the note's line (the changes
/// page, the feed and the page itself all render it).
fn check_notes(site: &Site, diags: &mut Diagnostics) {
    let resolve = |r: &str| site.href(r);
    for page in &site.pages {
        for u in &page.fm.updates {
            if let Err(why) = crate::markdown::render_block(&u.note, &resolve) {
                let start: String = u.note.chars().take(24).collect();
                diags.push(
                    page.error(
                        page.line_of(&start),
                        format!("update note: broken link: {why}"),
                    )
                    .with_hint("references look like `[text](@/figures/name.md)`"),
                );
            }
        }
    }
}

/// A page about a person: not a section or the source, and it declares quotes of its
/// subject or the source's description of them (`[extra] described_as`).
pub fn is_person(site: &Site, i: usize) -> bool {
    let p = site.page(i);
    !p.is_section
        && Some(i) != site.source
        && (!p.fm.quotes.is_empty() || p.fm.extra.contains_key("described_as"))
}

/// The source's description of a person, if the page gives it.
pub fn described_as(site: &Site, i: usize) -> Option<&str> {
    site.page(i)
        .fm
        .extra
        .get("described_as")
        .and_then(toml::Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// Every quotation of the site (the speaker's own words; not paraphrases, passages or
/// excerpts), in quote-id order.
pub fn quotations(site: &Site) -> impl Iterator<Item = crate::site::QuoteAt> + '_ {
    site.quotes
        .values()
        .copied()
        .filter(move |at| at.excerpt.is_none() && site.attribution(*at).kind == Kind::Quotation)
}

/// The source credit: its title and publisher, as far as the source page says.
pub fn credit(site: &Site) -> String {
    let Some(src) = site.source.map(|s| site.page(s)) else {
        return site.config.title.clone();
    };
    match src.fm.publisher.as_deref().filter(|p| !p.is_empty()) {
        Some(publisher) => site.strings.fill(
            "share_credit_publisher",
            &[("title", &src.fm.title), ("publisher", publisher)],
        ),
        None => site
            .strings
            .fill("share_credit", &[("title", &src.fm.title)]),
    }
}

/// Escapes text for HTML and XML attribute values and text (one rule for the whole site).
pub use crate::annotate::escape;

/// Lowercase hex of a SHA-256 digest.
pub fn sha256_hex(parts: &[&[u8]]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in h.finalize() {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}
