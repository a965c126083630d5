//! Embeds: each quotation and each comparison row as a standalone page `embed/…html` (no
//! navigation, no outside requests, a link back to its full page), rendered through the
//! theme's `embed.html` (a theme without it has no embeds). A quotation's embed is also its
//! shareable page: with `base_url` it carries the quotation's own share card.
//!
//! Full pages offer each embed's `<iframe>` snippet (with `base_url`: it needs an absolute
//! `src`) in a read-only text field; the snippet's height is worked out here from the length
//! of the text, so no script is needed to size it.

use serde_json::json;
use tera::Value;

use super::head::Head;
use super::{Publish, escape, jsonld};
use crate::diagnostics::Diagnostic;
use crate::model::quote_ref;
use crate::render::{Output, Renderer, stub_page};
use crate::site::{QuoteAt, Site, quote_anchor};
use crate::validate::row_id;

pub const TEMPLATE: &str = "embed.html";

#[derive(Debug, Clone)]
pub enum Of {
    Quote(QuoteAt),
    /// A comparison page and the row's position in it.
    Row {
        page: usize,
        row: usize,
    },
}

#[derive(Debug, Clone)]
pub struct Embed {
    pub of: Of,
    /// How templates find it in `publish.embeds`: the quote's anchor (`q-<id>`), or the
    /// comparison page's URL and the row's id (`compare.html#azerbaijan`).
    pub key: String,
    /// Output path: `embed/q-<id>.html`, `embed/<page>-<row>.html`.
    pub path: String,
    pub title: String,
    /// Where the full version is, from the site root.
    pub back: String,
    /// Height in CSS pixels for the `<iframe>`, from the length of the text.
    pub height: usize,
}

/// Lines of `chars` characters at about `per_line` a line.
fn lines(chars: usize, per_line: usize) -> usize {
    chars.div_ceil(per_line).max(1)
}

pub fn plan(site: &Site) -> Vec<Embed> {
    let mut out = Vec::new();
    for at in super::quotations(site) {
        let id = site.quote_id(at).get_ref();
        // Who speaks as the labels word it: "Ann Lee", or "Ben Ortiz, quoting Ann Lee".
        let speaker = crate::labels::label_text(site, site.attribution(at));
        let words = site.quote_text(at).get_ref().chars().count();
        out.push(Embed {
            of: Of::Quote(at),
            key: quote_anchor(id),
            path: format!("embed/{}.html", quote_anchor(id)),
            title: site
                .strings
                .fill("embed_quote_title", &[("speaker", &speaker)]),
            back: format!("{}#{}", site.page(at.page).url, quote_anchor(id)),
            height: 170 + 30 * lines(words, 55),
        });
    }
    for (i, page) in site.pages.iter().enumerate() {
        let Some(c) = &page.fm.compare else { continue };
        let stem = page.url.trim_end_matches(".html").replace('/', "-");
        for (n, row) in c.rows.iter().enumerate() {
            let id = row_id(row.id.as_deref(), row.topic.get_ref());
            let text: usize = row
                .cells
                .values()
                .map(|c| c.summary.chars().count() + 40)
                .sum();
            out.push(Embed {
                of: Of::Row { page: i, row: n },
                key: format!("{}#{id}", page.url),
                path: format!("embed/{stem}-{id}.html"),
                title: site.strings.fill(
                    "embed_row_title",
                    &[("topic", row.topic.get_ref()), ("page", &page.fm.title)],
                ),
                back: format!("{}#{id}", page.url),
                height: 160 + 90 * row.cells.len().max(1) + 26 * lines(text, 50),
            });
        }
    }
    out
}

impl Embed {
    /// The page the embed is part of.
    pub fn full_page(&self) -> usize {
        match &self.of {
            Of::Quote(at) => at.page,
            Of::Row { page, .. } => *page,
        }
    }

    /// What templates see: the embed's URL from the site root, its title and, with
    /// `base_url`, the `<iframe>` snippet.
    pub fn value(&self, p: &Publish<'_>) -> serde_json::Value {
        let snippet = p.abs(&self.path).map_or(String::new(), |src| {
            format!(
                "<iframe src=\"{}\" title=\"{}\" width=\"100%\" height=\"{}\" style=\"border:0;max-width:40rem\" loading=\"lazy\"></iframe>",
                escape(&src),
                escape(&self.title),
                self.height
            )
        });
        json!({ "url": self.path, "title": self.title, "snippet": snippet })
    }
}

/// Every embed, through the theme's `embed.html`.
pub fn render(p: &Publish<'_>, r: &Renderer) -> Vec<Result<Output, Vec<Diagnostic>>> {
    if !r.has_template(TEMPLATE) {
        return Vec::new();
    }
    let site = p.site;
    p.embeds
        .iter()
        .map(|e| {
            let mut embed = tera::Map::new();
            let mut put = |k: &'static str, v: Value| {
                embed.insert(k.into(), v);
            };
            match &e.of {
                Of::Quote(at) => {
                    let q = r.model().quotes.get(&quote_ref(site, *at)).cloned();
                    put("kind", Value::from("quote"));
                    put("quote", q.unwrap_or_else(Value::none));
                }
                Of::Row { page, row } => {
                    let table = r.model().compares.get(page).and_then(Value::as_map);
                    let field = |k: &'static str| {
                        table
                            .and_then(|m| m.get(&tera::value::Key::Str(k)))
                            .cloned()
                            .unwrap_or_else(Value::none)
                    };
                    let rows = field("rows");
                    let row = rows.as_array().and_then(|a| a.get(*row)).cloned();
                    put("kind", Value::from("row"));
                    put("row", row.unwrap_or_else(Value::none));
                    put("columns", field("columns"));
                }
            }
            put("title", Value::from(e.title.as_str()));
            put("back_url", Value::from(e.back.as_str()));
            let back_title = &site.page(e.full_page()).fm.title;
            put("back_title", Value::from(back_title.as_str()));
            let page = stub_page(&e.title, &e.path);
            r.render(TEMPLATE, &e.path, page, vec![("embed", Value::from(embed))])
        })
        .collect()
}

/// The head tags of an embed page (with `base_url`): a quotation's share card, or the
/// site's card for a comparison row.
pub fn head(p: &Publish<'_>, e: &Embed) -> Option<Head> {
    let site = p.site;
    let url = p.abs(&e.path)?;
    let (description, image, graph) = match &e.of {
        Of::Quote(at) => (
            site.quote_text(*at)
                .get_ref()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            p.images.for_quote(p, *at),
            jsonld::quotation(p, *at),
        ),
        Of::Row { page, row } => {
            let topic = site
                .page(*page)
                .fm
                .compare
                .as_ref()?
                .rows
                .get(*row)?
                .topic
                .get_ref()
                .clone();
            (
                topic,
                p.images.site_card(p),
                json!({
                    "@type": "WebPage",
                    "@id": url,
                    "url": url,
                    "name": e.title,
                    "isPartOf": {"@id": format!("{}#article", p.abs(&site.page(*page).url)?)},
                }),
            )
        }
    };
    let trail = jsonld::breadcrumbs(p, e.full_page(), &[(e.title.as_str(), e.path.as_str())]);
    Some(Head {
        title: e.title.clone(),
        description,
        url,
        og_type: "article",
        image,
        jsonld: json!({"@context": "https://schema.org", "@graph": [graph, trail]}),
    })
}
