//! `feed.xml`: an Atom feed of the updates and corrections, newest first. Links inside each
//! entry's content are absolute (a feed reader has no page to resolve them against), so
//! it is written only with `base_url`.

use super::{Publish, escape};
use crate::base_url::BaseUrl;
use crate::render::Output;

pub const PATH: &str = "feed.xml";

pub fn feed(p: &Publish<'_>, base: &BaseUrl) -> Output {
    let site = p.site;
    let strings = &site.strings;
    let title = strings.fill("feed_title", &[("site", &site.config.title)]);
    let self_url = base.join(PATH);
    let home = base.as_str();
    // Same input, same bytes: the feed's date is its newest entry's, never the clock's.
    let updated = p
        .entries
        .first()
        .map(|e| e.day.clone())
        .or_else(|| crate::updates::source_day(site).map(str::to_string))
        .unwrap_or_else(|| "1970-01-01".into());
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n<title>{}</title>\n<id>{}</id>\n<link rel=\"self\" href=\"{}\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<updated>{updated}T00:00:00Z</updated>\n<author><name>{}</name></author>\n",
        escape(&site.config.language),
        escape(&title),
        escape(&self_url),
        escape(&self_url),
        escape(home),
        escape(&site.config.title),
    );
    for e in &p.entries {
        let page = site.page(e.page);
        let link = format!("{}#{}", base.join(&page.url), e.anchor);
        let kind = strings.get(if e.correction {
            "update_kind_correction"
        } else {
            "update_kind_update"
        });
        let entry_title = strings.fill(
            "feed_entry_title",
            &[("kind", kind.unwrap_or_default()), ("page", &page.fm.title)],
        );
        let resolve = |r: &str| site.href(r).map(|h| base.join(&h));
        let note =
            crate::markdown::render_block(e.note, &resolve).unwrap_or_else(|_| escape(e.note));
        let content = format!(
            "{note}<p><a href=\"{}\">{}</a></p>",
            escape(&link),
            escape(&page.fm.title)
        );
        xml.push_str(&format!(
            "<entry>\n<title>{}</title>\n<id>{}</id>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<updated>{}T00:00:00Z</updated>\n<category term=\"{}\"/>\n<content type=\"html\">{}</content>\n</entry>\n",
            escape(&entry_title),
            escape(&link),
            escape(&link),
            e.day,
            if e.correction { "correction" } else { "update" },
            escape(&content),
        ));
    }
    xml.push_str("</feed>\n");
    Output {
        path: PATH.into(),
        bytes: xml.into_bytes(),
    }
}
