//! Any shape of site builds in the default theme: the comparison, camps and glossary are each
//! optional, and a site without them has no dead link and no empty heading.

mod common;

use common::{TestSite, snapshot};

/// `tests/fixtures/market` cut down to a source page and figures.
fn article_and_figures_only() -> TestSite {
    let site = TestSite::with_default_theme("market");
    for f in [
        "content/compare.md",
        "content/camps/_index.md",
        "content/camps/hall.md",
        "content/camps/repair.md",
        "content/camps/harbour.md",
    ] {
        site.remove(f);
    }
    site.edit("lede.toml", "compare = \"@/compare.md\"\n", "");
    site.edit("lede.toml", "camps = \"@/camps/_index.md\"\n", "");
    site.edit(
        "lede.toml",
        "[[nav]]\ntitle = \"Side by side\"\nref = \"@/compare.md\"\n",
        "",
    );
    site.edit(
        "content/people/_index.md",
        "[schema.camp]\nref = \"camps\"\n",
        "",
    );
    for (f, camp) in [("ann", "hall"), ("ben", "repair"), ("cara", "harbour")] {
        site.edit(
            &format!("content/people/{f}.md"),
            &format!("camp = \"@/camps/{camp}.md\"\n"),
            "",
        );
    }
    site
}

#[test]
fn a_site_with_only_an_article_and_figures_builds_without_dead_links_or_empty_headings() {
    let site = article_and_figures_only();
    site.build().assert_ok();
    for (path, bytes) in snapshot(&site.out()) {
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let html = String::from_utf8_lossy(&bytes);
        for word in ["compare.html", "camps/", "glossary"] {
            assert!(!html.contains(word), "{path:?} still points at `{word}`");
        }
        // Every heading has words in it.
        for level in 1..=4 {
            for (at, _) in html.match_indices(&format!("<h{level}")) {
                let end = html[at..]
                    .find(&format!("</h{level}>"))
                    .expect("heading closes");
                let inner = &html[at..at + end];
                let text: String = inner[inner.find('>').expect("tag") + 1..]
                    .split('<')
                    .map(|s| s.split_once('>').map_or(s, |(_, t)| t))
                    .collect();
                assert!(
                    !text.trim().is_empty(),
                    "{path:?}: an empty heading: {inner}"
                );
            }
        }
    }
    let home = site.page("index.html");
    assert!(
        home.contains("people/ann.html"),
        "the home page leads to the figures"
    );
}
