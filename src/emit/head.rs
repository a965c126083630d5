//! Canonical link, Open Graph and Twitter card tags and the JSON-LD block, put into the
//! `<head>` of each rendered page (with `base_url` only: they need absolute URLs). They are
//! added to the rendered HTML, so every theme gets them without a template change.

use super::{Publish, escape, jsonld};
use crate::render::{NOT_FOUND_TEMPLATE, Output};

/// What one document says about itself to the web.
pub struct Head {
    pub title: String,
    pub description: String,
    /// Absolute canonical URL.
    pub url: String,
    /// `website`, `profile` or `article`.
    pub og_type: &'static str,
    /// Absolute image URL and its alt text.
    pub image: Option<(String, String)>,
    pub jsonld: serde_json::Value,
}

/// `o` with its head tags, when `base_url` is set and `o` is a page or an embed.
pub fn add(p: &Publish<'_>, o: Output) -> Output {
    let Some(head) = head_of(p, &o.path) else {
        return o;
    };
    let html = match String::from_utf8(o.bytes) {
        Ok(html) => html,
        Err(e) => {
            return Output {
                path: o.path,
                bytes: e.into_bytes(),
            };
        }
    };
    let tags = tags(p, &head);
    let html = match html.find("</head>") {
        Some(at) => format!("{}{tags}{}", &html[..at], &html[at..]),
        None => html,
    };
    Output {
        path: o.path,
        bytes: html.into_bytes(),
    }
}

fn head_of(p: &Publish<'_>, path: &str) -> Option<Head> {
    p.base.as_ref()?;
    if path == NOT_FOUND_TEMPLATE {
        return None; // served at any address: nobody's canonical page
    }
    if let Some(i) = p.page_at(path) {
        return page_head(p, i);
    }
    if path == super::changes::PATH {
        let strings = &p.site.strings;
        let title = strings.get("changes_title").unwrap_or_default().to_string();
        return Some(Head {
            description: strings.get("changes_intro").unwrap_or_default().to_string(),
            url: p.abs(path)?,
            og_type: "website",
            image: p.images.site_card(p),
            jsonld: jsonld::changes(p, &title),
            title,
        });
    }
    let e = p.embed_at(path)?;
    super::embeds::head(p, e)
}

fn page_head(p: &Publish<'_>, i: usize) -> Option<Head> {
    let site = p.site;
    let page = site.page(i);
    let is_home = page.url == "index.html";
    let description = if page.fm.description.is_empty() {
        site.config.description.clone()
    } else {
        page.fm.description.clone()
    };
    let og_type = if is_home {
        "website"
    } else if super::is_person(site, i) {
        "profile"
    } else {
        "article"
    };
    let image = p.images.for_page(p, i);
    Some(Head {
        title: if is_home {
            site.config.title.clone()
        } else {
            page.fm.title.clone()
        },
        description,
        url: p.abs(&page.url)?,
        og_type,
        image,
        jsonld: jsonld::page(p, i),
    })
}

fn tags(p: &Publish<'_>, h: &Head) -> String {
    let site = &p.site.config;
    let mut t = String::with_capacity(2048);
    let mut meta = |attr: &str, key: &str, value: &str| {
        t.push_str(&format!(
            "<meta {attr}=\"{key}\" content=\"{}\">\n",
            escape(value)
        ));
    };
    meta("property", "og:title", &h.title);
    meta("property", "og:description", &h.description);
    meta("property", "og:type", h.og_type);
    meta("property", "og:url", &h.url);
    meta("property", "og:site_name", &site.title);
    meta("property", "og:locale", &site.language.replace('-', "_"));
    match &h.image {
        Some((url, alt)) => {
            meta("property", "og:image", url);
            meta("property", "og:image:type", "image/png");
            meta("property", "og:image:width", "1200");
            meta("property", "og:image:height", "630");
            meta("property", "og:image:alt", alt);
            meta("name", "twitter:card", "summary_large_image");
            meta("name", "twitter:image:alt", alt);
        }
        None => meta("name", "twitter:card", "summary"),
    }
    meta("name", "twitter:title", &h.title);
    meta("name", "twitter:description", &h.description);
    let mut out = format!("<link rel=\"canonical\" href=\"{}\">\n", escape(&h.url));
    out.push_str(&t);
    out.push_str("<script type=\"application/ld+json\">");
    out.push_str(&jsonld::to_script(&h.jsonld));
    out.push_str("</script>\n");
    out
}
