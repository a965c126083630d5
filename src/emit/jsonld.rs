//! Structured data (schema.org JSON-LD), built from the content model with serde_json:
//!
//! - the source page: `NewsArticle` with its publisher, date, author and link as far as the
//!   source page says;
//! - every other page: `BackgroundNewsArticle` (an explainer) with `isBasedOn` the source,
//!   `dateModified` and each correction as a `CorrectionComment`;
//! - a figure's page is `about` a `Person` (name, the source's description);
//! - each quotation a `Quotation` (`text` verbatim, `creator`, `isBasedOn`; one reported by
//!   another figure has that figure as `contributor` and the label as `description`);
//! - a comparison an `ItemList` of its topics;
//! - a `BreadcrumbList` on every page.

use serde_json::{Value, json};

use super::Publish;
use crate::site::{QuoteAt, Site, quote_anchor};
use crate::validate::row_id;

/// The JSON text for a `<script type="application/ld+json">`: `<` is escaped so the text
/// can never close the script element.
pub fn to_script(v: &Value) -> String {
    let text = serde_json::to_string(v).unwrap_or_default();
    text.replace('<', "\\u003c")
}

fn abs(p: &Publish<'_>, rel: &str) -> String {
    p.abs(rel).unwrap_or_default()
}

/// `@id` of the source article.
fn source_id(p: &Publish<'_>, site: &Site) -> Option<String> {
    let s = site.page(site.source?);
    Some(format!("{}#source", abs(p, &s.url)))
}

/// The source as a `NewsArticle`.
fn source_article(p: &Publish<'_>) -> Option<Value> {
    let site = p.site;
    let src = site.page(site.source?);
    let fm = &src.fm;
    let mut v = json!({
        "@type": "NewsArticle",
        "@id": source_id(p, site)?,
        "headline": fm.title,
        "inLanguage": site.config.language,
    });
    let m = v.as_object_mut()?;
    if let Some(url) = fm.url.as_deref().filter(|u| !u.is_empty()) {
        m.insert("url".into(), json!(url));
    }
    if let Some(publisher) = fm.publisher.as_deref().filter(|s| !s.is_empty()) {
        m.insert(
            "publisher".into(),
            json!({"@type": "Organization", "name": publisher}),
        );
    }
    if let Some(day) = crate::updates::source_day(site) {
        m.insert("datePublished".into(), json!(day));
    }
    if let Some(author) = fm.author.as_deref().filter(|s| !s.is_empty()) {
        m.insert("author".into(), json!({"@type": "Person", "name": author}));
    }
    Some(v)
}

fn person(p: &Publish<'_>, i: usize) -> Value {
    let page = p.site.page(i);
    let mut v = json!({
        "@type": "Person",
        "@id": format!("{}#person", abs(p, &page.url)),
        "name": page.fm.title,
        "url": abs(p, &page.url),
    });
    if let (Some(d), Some(m)) = (super::described_as(p.site, i), v.as_object_mut()) {
        m.insert("description".into(), json!(d));
    }
    v
}

/// A quotation, its words exactly as verified.
pub fn quotation(p: &Publish<'_>, at: QuoteAt) -> Value {
    let site = p.site;
    let attr = site.attribution(at);
    let id = site.quote_id(at).get_ref();
    let url = format!("{}#{}", abs(p, &site.page(at.page).url), quote_anchor(id));
    let mut v = json!({
        "@type": "Quotation",
        "@id": url,
        "url": url,
        "text": site.quote_text(at).get_ref().trim(),
        "creator": person(p, attr.speaker),
    });
    if let Some(m) = v.as_object_mut() {
        if let Some(src) = source_id(p, site) {
            m.insert("isBasedOn".into(), json!({"@id": src}));
        }
        // Words the article has from the speaker through someone else: that reporter too.
        if let Some(via) = attr.via {
            m.insert("contributor".into(), person(p, via));
            m.insert(
                "description".into(),
                json!(crate::labels::label_text(site, attr)),
            );
        }
    }
    v
}

/// Home, then each enclosing section, then the page; then `more` (name, path) steps below it.
pub fn breadcrumbs(p: &Publish<'_>, i: usize, more: &[(&str, &str)]) -> Value {
    let site = p.site;
    let mut chain = vec![i];
    let mut at = site.page(i).parent;
    while let Some(s) = at {
        chain.push(s);
        at = site.page(s).parent;
    }
    chain.reverse();
    let steps = chain
        .iter()
        .map(|&c| (site.page(c).fm.title.as_str(), site.page(c).url.as_str()))
        .chain(more.iter().copied());
    let items: Vec<Value> = steps
        .enumerate()
        .map(|(n, (name, url))| {
            json!({
                "@type": "ListItem",
                "position": n + 1,
                "name": name,
                "item": abs(p, url),
            })
        })
        .collect();
    json!({"@type": "BreadcrumbList", "itemListElement": items})
}

/// The home page's index, where every breadcrumb trail starts.
pub fn home(p: &Publish<'_>) -> Option<usize> {
    p.page_at("index.html")
}

/// The changes page: a `WebPage` and its trail.
pub fn changes(p: &Publish<'_>, title: &str) -> Value {
    let url = abs(p, super::changes::PATH);
    let mut graph = vec![json!({
        "@type": "WebPage",
        "@id": url,
        "url": url,
        "name": title,
        "inLanguage": p.site.config.language,
    })];
    if let Some(h) = home(p) {
        graph.push(breadcrumbs(p, h, &[(title, super::changes::PATH)]));
    }
    json!({"@context": "https://schema.org", "@graph": graph})
}

/// The JSON-LD graph of content page `i`.
pub fn page(p: &Publish<'_>, i: usize) -> Value {
    let site = p.site;
    let page = site.page(i);
    let url = abs(p, &page.url);
    let mut graph = Vec::new();
    if Some(i) == site.source {
        if let Some(src) = source_article(p) {
            graph.push(src);
        }
    } else {
        let mut article = json!({
            "@type": "BackgroundNewsArticle",
            "@id": format!("{url}#article"),
            "url": url,
            "headline": page.fm.title,
            "inLanguage": site.config.language,
        });
        let m = article.as_object_mut().expect("a JSON object");
        if !page.fm.description.is_empty() {
            m.insert("description".into(), json!(page.fm.description));
        }
        if let Some(src) = source_article(p) {
            m.insert("isBasedOn".into(), src);
        }
        if let Some(day) = crate::updates::last_modified(site, i) {
            m.insert("dateModified".into(), json!(day));
        }
        let corrections: Vec<Value> = crate::updates::of_page(site, i)
            .into_iter()
            .filter(|e| e.correction)
            .map(|e| {
                json!({
                    "@type": "CorrectionComment",
                    "@id": format!("{url}#{}", e.anchor),
                    "text": e.note.trim(),
                    "datePublished": e.day,
                })
            })
            .collect();
        if !corrections.is_empty() {
            m.insert("correction".into(), json!(corrections));
        }
        if super::is_person(site, i) {
            m.insert("about".into(), person(p, i));
        }
        graph.push(article);
    }
    if page.url == "index.html" {
        graph.push(json!({
            "@type": "WebSite",
            "@id": format!("{url}#site"),
            "name": site.config.title,
            "description": site.config.description,
            "url": url,
            "inLanguage": site.config.language,
        }));
    }
    for at in super::quotations(site).filter(|at| at.page == i) {
        graph.push(quotation(p, at));
    }
    if let Some(c) = &page.fm.compare {
        let items: Vec<Value> = c
            .rows
            .iter()
            .enumerate()
            .map(|(n, row)| {
                json!({
                    "@type": "ListItem",
                    "position": n + 1,
                    "name": row.topic.get_ref(),
                    "url": format!("{url}#{}", row_id(row.id.as_deref(), row.topic.get_ref())),
                })
            })
            .collect();
        graph.push(json!({
            "@type": "ItemList",
            "@id": format!("{url}#topics"),
            "name": page.fm.title,
            "numberOfItems": items.len(),
            "itemListElement": items,
        }));
    }
    graph.push(breadcrumbs(p, i, &[]));
    json!({"@context": "https://schema.org", "@graph": graph})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_text_cannot_close_its_script_element() {
        let v = json!({"text": "a </script><script>alert(1)</script> <!-- b"});
        let text = to_script(&v);
        assert!(!text.contains('<'), "{text}");
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v, "still the same JSON");
    }
}
