//! `sitemap.xml` (every published page once, absolute URLs, `lastmod` from the content's
//! dates; drafts are never in the site and the 404 page is left out) and `robots.txt`
//! pointing at it. Only with `base_url`: a sitemap needs absolute URLs.

use super::{Publish, escape};
use crate::base_url::BaseUrl;
use crate::render::{NOT_FOUND_TEMPLATE, Output};

pub const PATH: &str = "sitemap.xml";

pub fn sitemap(p: &Publish<'_>, _base: &BaseUrl) -> Output {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    // `content/404.md`, when there is one, is the 404 page: not a page to index.
    let mut pages: Vec<usize> = (0..p.site.pages.len())
        .filter(|&i| p.site.page(i).url != NOT_FOUND_TEMPLATE)
        .collect();
    pages.sort_by(|&a, &b| p.site.page(a).url.cmp(&p.site.page(b).url));
    for i in pages {
        let page = p.site.page(i);
        let Some(loc) = p.abs(&page.url) else {
            continue;
        };
        xml.push_str(&format!("<url><loc>{}</loc>", escape(&loc)));
        if let Some(day) = crate::updates::last_modified(p.site, i) {
            xml.push_str(&format!("<lastmod>{day}</lastmod>"));
        }
        xml.push_str("</url>\n");
    }
    if !p.entries.is_empty()
        && let Some(loc) = p.abs(super::changes::PATH)
    {
        xml.push_str(&format!(
            "<url><loc>{}</loc><lastmod>{}</lastmod></url>\n",
            escape(&loc),
            p.entries[0].day
        ));
    }
    xml.push_str("</urlset>\n");
    Output {
        path: PATH.into(),
        bytes: xml.into_bytes(),
    }
}

pub fn robots(base: &BaseUrl) -> Output {
    Output {
        path: "robots.txt".into(),
        bytes: format!("User-agent: *\nDisallow:\n\nSitemap: {}\n", base.join(PATH)).into_bytes(),
    }
}
