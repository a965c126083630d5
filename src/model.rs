//! What templates see: every page, quote and comparison turned into template values once,
//! before rendering, so each page render only clones cheap reference-counted values.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value as Json, json};
use tera::Value;

use crate::frontmatter::CompareDecl;
use crate::site::{Page, QuoteAt, Site};
use crate::validate::row_id;

/// Template values for the whole site, shared by every page render.
pub struct Model {
    /// Per page: summary with `pages`/`subsections` filled on sections.
    pub pages: Vec<Value>,
    /// By reference `@/x.md`: the same values, for `get_page`.
    pub by_ref: HashMap<String, Value>,
    /// By quote reference `@/x.md#id`.
    pub quotes: HashMap<String, Value>,
    /// By page index: the resolved `[compare]` table.
    pub compares: HashMap<usize, Value>,
}

impl Model {
    pub fn new(site: &Site) -> Model {
        let quotes_json: BTreeMap<String, Json> = site
            .quotes
            .values()
            .map(|at| (quote_ref(site, *at), quote_json(site, *at)))
            .collect();
        let backlinks = backlinks(site);
        let shallow: Vec<Json> = site
            .pages
            .iter()
            .enumerate()
            .map(|(i, p)| shallow_json(site, i, p, backlinks.get(&i)))
            .collect();
        let pages: Vec<Value> = (0..site.pages.len())
            .map(|i| Value::from_serializable(&full_json(site, i, &shallow)))
            .collect();
        let by_ref = site
            .pages
            .iter()
            .zip(&pages)
            .map(|(p, v)| (p.reference(), v.clone()))
            .collect();
        let compares = site
            .pages
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                p.fm.compare.as_ref().map(|c| {
                    (
                        i,
                        Value::from_serializable(&compare_json(site, c, &shallow, &quotes_json)),
                    )
                })
            })
            .collect();
        let quotes = quotes_json
            .into_iter()
            .map(|(k, v)| (k, Value::from_serializable(&v)))
            .collect();
        Model {
            pages,
            by_ref,
            quotes,
            compares,
        }
    }
}

pub fn quote_ref(site: &Site, at: QuoteAt) -> String {
    format!(
        "{}#{}",
        site.page(at.page).reference(),
        site.quote(at).id.get_ref()
    )
}

fn quote_json(site: &Site, at: QuoteAt) -> Json {
    let speaker = site.page(at.page);
    let q = site.quote(at);
    let id = q.id.get_ref();
    let source_url = site
        .source
        .map_or(String::new(), |s| format!("{}#q-{id}", site.page(s).url));
    json!({
        "id": id,
        "ref": quote_ref(site, at),
        "text": q.text.get_ref().trim(),
        // A quote may span paragraphs; templates render each as its own <p>.
        "paragraphs": paragraphs(q.text.get_ref()),
        "reported": q.reported,
        "note": q.note,
        "anchor": format!("q-{id}"),
        "source_url": source_url,
        "page_url": format!("{}#q-{id}", speaker.url),
        "is_passage": Some(at.page) == site.source,
        "speaker": { "title": speaker.fm.title, "url": speaker.url, "ref": speaker.reference() },
    })
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

fn shallow_json(site: &Site, i: usize, p: &Page, backlinks: Option<&Vec<Json>>) -> Json {
    let quotes: Vec<Json> = (0..p.fm.quotes.len())
        .map(|index| quote_json(site, QuoteAt { page: i, index }))
        .collect();
    json!({
        "ref": p.reference(),
        "slug": p.slug(),
        "url": p.url,
        "title": p.fm.title,
        "description": p.fm.description,
        "weight": p.fm.weight,
        "date": p.fm.date,
        "extra": p.fm.extra,
        "quotes": quotes,
        "mentions": p.fm.mentions.iter().map(|m| m.get_ref()).collect::<Vec<_>>(),
        "is_section": p.is_section,
        "is_source": p.fm.source,
        "backlinks": backlinks.cloned().unwrap_or_default(),
    })
}

fn full_json(site: &Site, i: usize, shallow: &[Json]) -> Json {
    let mut v = shallow[i].clone();
    let (pages, subsections) = if site.page(i).is_section {
        site.children(i)
    } else {
        (vec![], vec![])
    };
    v["pages"] = Json::Array(pages.iter().map(|&c| shallow[c].clone()).collect());
    v["subsections"] = Json::Array(subsections.iter().map(|&c| shallow[c].clone()).collect());
    v
}

fn compare_json(
    site: &Site,
    c: &CompareDecl,
    shallow: &[Json],
    quotes: &BTreeMap<String, Json>,
) -> Json {
    let page_of = |r: &str| site.resolve(r).ok().map(|t| t.page);
    let columns: Vec<(String, Json)> = c
        .columns
        .iter()
        .filter_map(|col| page_of(col.get_ref()))
        .map(|p| {
            let mut v = shallow[p].clone();
            let key = site.page(p).slug().to_string();
            v["key"] = json!(key);
            (key, v)
        })
        .collect();
    let rows: Vec<Json> = c
        .rows
        .iter()
        .map(|row| {
            let cells: Vec<Json> = columns
                .iter()
                .map(|(key, column)| {
                    let cell = row.cells.get(key);
                    let backing: Vec<Json> = cell
                        .map(|c| c.backing.iter().filter_map(|b| quote_value(site, b.get_ref(), quotes)).collect())
                        .unwrap_or_default();
                    json!({
                        "key": key,
                        "column": column,
                        "silent": cell.is_none_or(|c| c.silent),
                        "summary": cell.map_or("", |c| c.summary.as_str()),
                        "backing": backing,
                    })
                })
                .collect();
            json!({
                "id": row_id(row.id.as_deref(), row.topic.get_ref()),
                "topic": row.topic.get_ref(),
                "voices": row.voices.iter().filter_map(|v| page_of(v.get_ref())).map(|p| shallow[p].clone()).collect::<Vec<_>>(),
                "cells": cells,
            })
        })
        .collect();
    json!({ "columns": columns.into_iter().map(|(_, v)| v).collect::<Vec<_>>(), "rows": rows })
}

fn quote_value(site: &Site, r: &str, quotes: &BTreeMap<String, Json>) -> Option<Json> {
    let at = site.resolve_quote(r).ok()?;
    quotes.get(&quote_ref(site, at)).cloned()
}

/// For each page, the places that point at it: comparison rows (through `voices` or a
/// backing quote) and pages whose `[extra]` references it.
fn backlinks(site: &Site) -> HashMap<usize, Vec<Json>> {
    let mut links: HashMap<usize, Vec<(String, String)>> = HashMap::new();
    let mut add = |to: usize, title: String, url: String| {
        let list = links.entry(to).or_default();
        if !list.iter().any(|(_, u)| *u == url) {
            list.push((title, url));
        }
    };
    for (i, page) in site.pages.iter().enumerate() {
        if let Some(c) = &page.fm.compare {
            for row in &c.rows {
                let url = format!(
                    "{}#{}",
                    page.url,
                    row_id(row.id.as_deref(), row.topic.get_ref())
                );
                let title = format!("{}: {}", page.fm.title, row.topic.get_ref());
                let voiced = row
                    .voices
                    .iter()
                    .filter_map(|v| site.resolve(v.get_ref()).ok().map(|t| t.page));
                let backed = row
                    .cells
                    .values()
                    .flat_map(|c| &c.backing)
                    .filter_map(|b| site.resolve_quote(b.get_ref()).ok().map(|q| q.page));
                for to in voiced.chain(backed).collect::<Vec<_>>() {
                    add(to, title.clone(), url.clone());
                }
            }
        }
        for r in page.extra_refs() {
            if let Ok(t) = site.resolve(&r)
                && t.page != i
            {
                add(t.page, page.fm.title.clone(), page.url.clone());
            }
        }
    }
    links
        .into_iter()
        .map(|(k, v)| {
            (
                k,
                v.into_iter()
                    .map(|(title, url)| json!({ "title": title, "url": url }))
                    .collect(),
            )
        })
        .collect()
}
