//! Publishing to the web (issue 12): base_url, share cards and images, JSON-LD, sitemap,
//! robots.txt, the updates log and feed, embeds, and the change check. Real builds of real
//! sites in temp folders, through the `lede` binary.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{TestSite, snapshot};

const BASE: &str = "https://example.org/explainers/iran/";

fn build_with_base(site: &TestSite) {
    build_at(site, BASE).assert_ok();
}

/// `lede build` into `<site>/public` with `--base-url base`.
fn build_at(site: &TestSite, base: &str) -> common::Run {
    site.lede(&[
        "build",
        "--root",
        ".",
        "--output",
        "public",
        "--base-url",
        base,
    ])
}

/// Every file of the output, relative, `/`-separated.
fn files(out: &Path) -> Vec<String> {
    snapshot(out)
        .into_keys()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect()
}

fn html_pages(out: &Path) -> Vec<String> {
    files(out)
        .into_iter()
        .filter(|f| f.ends_with(".html"))
        .collect()
}

/// The `content` of `<meta property|name="key">`, if the page has it.
fn meta(html: &str, key: &str) -> Option<String> {
    for attr in ["property", "name"] {
        let pat = format!("<meta {attr}=\"{key}\" content=\"");
        if let Some(i) = html.find(&pat) {
            let rest = &html[i + pat.len()..];
            return Some(rest[..rest.find('"')?].to_string());
        }
    }
    None
}

/// The JSON-LD blocks of a page, parsed.
fn json_ld(html: &str) -> Vec<serde_json::Value> {
    let open = "<script type=\"application/ld+json\">";
    html.match_indices(open)
        .map(|(i, _)| {
            let rest = &html[i + open.len()..];
            let text = &rest[..rest.find("</script>").expect("closed script")];
            serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("JSON-LD does not parse: {e}\n{text}"))
        })
        .collect()
}

/// Every node of a JSON-LD value with an `@type`.
fn typed_nodes<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a serde_json::Value>) {
    match v {
        serde_json::Value::Object(m) => {
            if m.contains_key("@type") {
                out.push(v);
            }
            m.values().for_each(|x| typed_nodes(x, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| typed_nodes(x, out)),
        _ => {}
    }
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h)
}

/// The verified quotations of the explainer (kind quotation), from its front matter.
fn quotation_texts(site: &TestSite) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in walkdir::WalkDir::new(site.path().join("content"))
        .into_iter()
        .filter_map(Result::ok)
    {
        if !e.path().to_string_lossy().ends_with(".md") {
            continue;
        }
        let text = std::fs::read_to_string(e.path()).unwrap();
        let Some(head) = text
            .strip_prefix("+++\n")
            .and_then(|t| t.split("\n+++").next())
        else {
            continue;
        };
        let fm: toml::Table = toml::from_str(head).unwrap();
        if fm.get("source").and_then(toml::Value::as_bool) == Some(true)
            || fm.get("draft").and_then(toml::Value::as_bool) == Some(true)
        {
            continue;
        }
        for q in fm
            .get("quotes")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
        {
            let kind = q
                .get("kind")
                .and_then(toml::Value::as_str)
                .unwrap_or("quotation");
            if kind == "quotation" {
                out.insert(q["text"].as_str().unwrap().trim().to_string());
            }
        }
    }
    out
}

#[test]
fn without_base_url_the_site_has_no_absolute_url_and_check_says_what_base_url_adds() {
    let site = TestSite::explainer();
    site.build().assert_ok();
    let out = site.out();
    for f in files(&out) {
        let bytes = std::fs::read(out.join(&f)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("http://") && !text.contains("https://"),
            "{f} holds an absolute URL without base_url"
        );
    }
    for absent in ["sitemap.xml", "robots.txt", "feed.xml", "share"] {
        assert!(!out.join(absent).exists(), "{absent} needs base_url");
    }
    let home = site.page("index.html");
    assert!(!home.contains("og:title") && !home.contains("rel=\"canonical\""));
    assert!(!home.contains("application/ld+json"));
    // The portable features are there: the changes page, embeds, the manifest.
    assert!(out.join("changes.html").is_file());
    assert!(out.join("embed/q-kin.html").is_file());
    assert!(out.join(".lede-manifest.json").is_file());
    let check = site.check();
    check.assert_ok();
    assert_eq!(
        check.stdout.matches("note: no base_url").count(),
        1,
        "one note:\n{}",
        check.stdout
    );
    assert!(check.stdout.contains("sitemap.xml"), "{}", check.stdout);
    // With base_url set, no note.
    site.edit(
        "lede.toml",
        "language = \"en\"",
        &format!("language = \"en\"\nbase_url = \"{BASE}\""),
    );
    assert!(
        !site
            .check()
            .assert_ok()
            .stdout
            .contains("note: no base_url")
    );
}

#[test]
fn with_base_url_every_page_has_a_canonical_link_and_share_tags() {
    let site = TestSite::explainer();
    site.edit(
        "lede.toml",
        "language = \"en\"",
        "language = \"en\"\nbase_url = \"https://example.org/explainers/iran\"",
    );
    site.build().assert_ok();
    let out = site.out();
    let pages = html_pages(&out);
    assert!(pages.len() > 30);
    for rel in pages.iter().filter(|p| *p != "404.html") {
        let html = site.page(rel);
        let canonical = if rel == "index.html" {
            BASE.to_string()
        } else {
            format!("{BASE}{rel}")
        };
        assert!(
            html.contains(&format!("<link rel=\"canonical\" href=\"{canonical}\">")),
            "{rel}: no canonical link to {canonical}"
        );
        for key in [
            "og:title",
            "og:description",
            "og:type",
            "og:url",
            "og:site_name",
            "og:locale",
            "og:image",
            "og:image:alt",
            "twitter:card",
        ] {
            let v = meta(&html, key).unwrap_or_else(|| panic!("{rel}: no {key}"));
            assert!(!v.is_empty(), "{rel}: empty {key}");
        }
        assert_eq!(meta(&html, "og:url").unwrap(), canonical);
        assert_eq!(meta(&html, "twitter:card").unwrap(), "summary_large_image");
        let image = meta(&html, "og:image").unwrap();
        let file = image.strip_prefix(BASE).expect("the site's own image");
        assert!(
            out.join(file).is_file(),
            "{rel}: og:image {image} is not in the output"
        );
        assert_eq!(json_ld(&html).len(), 1, "{rel}: one JSON-LD block");
    }
    let og_type = |rel: &str| meta(&site.page(rel), "og:type").unwrap();
    assert_eq!(og_type("index.html"), "website");
    assert_eq!(og_type("figures/velayati.html"), "profile");
    assert_eq!(og_type("compare.html"), "article");
    // A figure's and a quotation's own cards.
    assert!(
        meta(&site.page("figures/velayati.html"), "og:image")
            .unwrap()
            .ends_with("share/figures-velayati.png")
    );
    let kin = site.page("embed/q-kin.html");
    assert!(meta(&kin, "og:image").unwrap().ends_with("share/q-kin.png"));
    assert!(
        meta(&kin, "og:image:alt")
            .unwrap()
            .contains("Masoud Pezeshkian")
    );
    // The 404 page is nobody's canonical page.
    assert!(!site.page("404.html").contains("rel=\"canonical\""));
}

#[test]
fn json_ld_is_built_from_the_content_model() {
    let site = TestSite::explainer();
    build_with_base(&site);
    let mut quotations = BTreeSet::new();
    let mut types = BTreeSet::new();
    for rel in html_pages(&site.out()).iter().filter(|p| *p != "404.html") {
        let html = site.page(rel);
        let blocks = json_ld(&html);
        let mut nodes = Vec::new();
        blocks.iter().for_each(|b| typed_nodes(b, &mut nodes));
        assert!(
            nodes.iter().any(|n| n["@type"] == "BreadcrumbList"),
            "{rel}: no BreadcrumbList"
        );
        for n in nodes {
            let t = n["@type"].as_str().unwrap().to_string();
            if t == "Quotation" {
                quotations.insert(n["text"].as_str().unwrap().to_string());
                assert_eq!(n["creator"]["@type"], "Person", "{rel}");
                assert!(
                    n["isBasedOn"]["@id"]
                        .as_str()
                        .unwrap()
                        .ends_with("article.html#source")
                );
            }
            types.insert(t);
        }
    }
    for t in [
        "NewsArticle",
        "BackgroundNewsArticle",
        "Person",
        "Quotation",
        "ItemList",
        "BreadcrumbList",
        "ListItem",
        "WebSite",
    ] {
        assert!(types.contains(t), "no {t} anywhere: {types:?}");
    }
    assert_eq!(
        quotations,
        quotation_texts(&site),
        "Quotation texts are the verified quotes, word for word"
    );
    // The source is a NewsArticle with what its page says; a figure is a Person with the
    // source's description.
    let article = &json_ld(&site.page("article.html"))[0]["@graph"][0];
    assert_eq!(article["@type"], "NewsArticle");
    assert_eq!(article["publisher"]["name"], "Caliber.Az");
    let velayati = &json_ld(&site.page("figures/velayati.html"))[0]["@graph"][0];
    assert_eq!(velayati["@type"], "BackgroundNewsArticle");
    assert_eq!(velayati["about"]["@type"], "Person");
    assert_eq!(
        velayati["about"]["description"],
        "senior adviser to Iran’s Supreme Leader"
    );
    assert_eq!(velayati["isBasedOn"]["@type"], "NewsArticle");
}

#[test]
fn sitemap_and_robots_list_every_published_page_once() {
    use quick_xml::events::Event;
    let site = TestSite::explainer();
    site.write(
        "content/draft.md",
        "+++\ntitle = \"Not yet\"\ndraft = true\n+++\nDraft.\n",
    );
    build_with_base(&site);
    let xml = site.page("sitemap.xml");
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut locs, mut lastmods, mut in_loc, mut in_lastmod) =
        (Vec::new(), Vec::new(), false, false);
    loop {
        match reader.read_event().expect("sitemap.xml is XML") {
            Event::Start(e) if e.name().as_ref() == "loc" => in_loc = true,
            Event::Start(e) if e.name().as_ref() == "lastmod" => in_lastmod = true,
            Event::End(_) => (in_loc, in_lastmod) = (false, false),
            Event::Text(t) if in_loc => locs.push(t.xml10_content().into_owned()),
            Event::Text(t) if in_lastmod => lastmods.push(t.xml10_content().into_owned()),
            Event::Eof => break,
            _ => {}
        }
    }
    let unique: BTreeSet<&String> = locs.iter().collect();
    assert_eq!(unique.len(), locs.len(), "a page twice");
    let expected: BTreeSet<String> = html_pages(&site.out())
        .into_iter()
        .filter(|p| p != "404.html" && !p.starts_with("embed/"))
        .map(|p| {
            if p == "index.html" {
                BASE.to_string()
            } else {
                format!("{BASE}{p}")
            }
        })
        .collect();
    assert_eq!(locs.iter().cloned().collect::<BTreeSet<_>>(), expected);
    assert!(!xml.contains("404.html") && !xml.contains("draft"));
    assert!(
        lastmods
            .iter()
            .all(|d| d.len() == 10 && d.starts_with("20")),
        "{lastmods:?}"
    );
    assert!(
        xml.contains(&format!("<loc>{BASE}</loc><lastmod>2026-12-01</lastmod>")),
        "the home page's update dates it"
    );
    assert!(
        site.page("robots.txt")
            .contains(&format!("Sitemap: {BASE}sitemap.xml"))
    );
}

/// The market fixture with a correction and an update.
fn corrected_market() -> TestSite {
    let site = TestSite::with_default_theme("market");
    site.edit(
        "content/people/ann.md",
        "\n[extra]\n",
        "\n[[updates]]\ndate = 2026-11-02\nkind = \"correction\"\nnote = \"An earlier version of this page said Ann Lee was the deputy mayor; she is the [mayor](@/people/ann.md).\"\n\n[[updates]]\ndate = 2026-11-20\nkind = \"update\"\nnote = \"Added her view on the hall's cost.\"\n\n[extra]\n",
    );
    site.edit(
        "content/compare.md",
        "\n+++\n",
        "\n[[updates]]\ndate = 2026-10-01\nkind = \"update\"\nnote = \"Added a row.\"\n+++\n",
    );
    site
}

#[test]
fn updates_show_on_their_page_the_changes_page_and_the_feed() {
    let site = corrected_market();
    build_at(&site, "https://example.org/market").assert_ok();
    let ann = site.page("people/ann.html");
    assert!(
        ann.contains("<a href=\"#update-2026-11-20\">Updated 20 November 2026</a>"),
        "{ann}"
    );
    assert!(ann.contains("id=\"update-2026-11-02\""));
    let first = ann.find("id=\"update-2026-11-20\"").unwrap();
    assert!(
        first < ann.find("id=\"update-2026-11-02\"").unwrap(),
        "newest first"
    );
    // The changes page: newest first, corrections marked, each linking to its entry.
    let changes = site.page("changes.html");
    let order: Vec<usize> = ["2026-11-20", "2026-11-02", "2026-10-01"]
        .iter()
        .map(|d| changes.find(&format!("<time datetime=\"{d}\">")).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "newest first");
    assert_eq!(changes.matches("class=\"update is-correction\"").count(), 1);
    assert!(changes.contains("href=\"people/ann.html#update-2026-11-02\""));
    assert!(site.page("index.html").contains("href=\"changes.html\""));
    // The feed parses as Atom, newest first, with absolute links inside entry content.
    let feed =
        feed_rs::parser::parse(site.page("feed.xml").as_bytes()).expect("feed.xml is a feed");
    assert_eq!(feed.entries.len(), 3);
    let first = &feed.entries[0];
    assert_eq!(
        first.links[0].href,
        "https://example.org/market/people/ann.html#update-2026-11-20"
    );
    let correction = &feed.entries[1];
    assert!(
        correction
            .title
            .as_ref()
            .unwrap()
            .content
            .starts_with("Correction")
    );
    let body = correction.content.as_ref().unwrap().body.as_ref().unwrap();
    assert!(
        body.contains("href=\"https://example.org/market/people/ann.html\""),
        "{body}"
    );
    assert!(
        !body.contains("href=\"people/") && !body.contains("href=\"../"),
        "{body}"
    );
    // The corrections are structured data too.
    let graph = &json_ld(&ann)[0]["@graph"][0];
    assert_eq!(graph["dateModified"], "2026-11-20");
    assert_eq!(graph["correction"][0]["@type"], "CorrectionComment");
    assert_eq!(graph["correction"][0]["datePublished"], "2026-11-02");
}

#[test]
fn share_images_are_1200_by_630_pngs_with_the_same_bytes_every_build_and_cached() {
    let site = TestSite::explainer();
    build_with_base(&site);
    let first = snapshot(&site.out().join("share"));
    assert!(
        first.len() >= 1 + 5 + 6,
        "home, figures, quotations: {:?}",
        first.keys()
    );
    for (name, bytes) in &first {
        assert_eq!(png_size(bytes), (1200, 630), "{}", name.display());
    }
    for want in ["site.png", "figures-velayati.png", "q-kin.png"] {
        assert!(first.contains_key(Path::new(want)), "{want}");
    }
    // Drawn again from nothing: the same bytes.
    std::fs::remove_dir_all(site.path().join(".lede-cache")).unwrap();
    build_with_base(&site);
    assert_eq!(
        first,
        snapshot(&site.out().join("share")),
        "same input, same bytes"
    );
    // A rebuild with no change reads the cache rather than drawing: a cached file's bytes
    // are what the build publishes.
    let cache = site.path().join(".lede-cache/share");
    let cached: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .filter_map(Result::ok)
        .collect();
    assert_eq!(cached.len(), first.len());
    for c in &cached {
        let mut bytes = std::fs::read(c.path()).unwrap();
        bytes.extend_from_slice(b"cached");
        std::fs::write(c.path(), bytes).unwrap();
    }
    build_with_base(&site);
    let warm = snapshot(&site.out().join("share"));
    assert!(
        warm.values().all(|b| b.ends_with(b"cached")),
        "a warm build draws nothing"
    );
}

#[test]
fn embeds_stand_alone_and_link_back() {
    let site = TestSite::explainer();
    site.build().assert_ok();
    let out = site.out();
    let embeds: Vec<String> = html_pages(&out)
        .into_iter()
        .filter(|p| p.starts_with("embed/"))
        .collect();
    assert!(embeds.contains(&"embed/q-kin.html".to_string()));
    assert!(
        embeds.iter().any(|e| e.starts_with("embed/compare-")),
        "{embeds:?}"
    );
    for e in &embeds {
        let html = site.page(e);
        assert!(!html.contains("<nav"), "{e}: an embed has no navigation");
        assert!(html.len() < 20_000, "{e}: {} bytes", html.len());
        assert!(
            html.contains("target=\"_top\""),
            "{e}: no link back to its full page"
        );
    }
    assert!(
        site.page("embed/q-kin.html")
            .contains("href=\"../figures/pezeshkian.html#q-kin\"")
    );
    // Full pages link to their embeds; the snippet needs base_url.
    let fig = site.page("figures/pezeshkian.html");
    assert!(fig.contains("href=\"../embed/q-kin.html\""));
    assert!(!fig.contains("<textarea"));
    build_with_base(&site);
    let fig = site.page("figures/pezeshkian.html");
    assert!(fig.contains("<textarea readonly"));
    assert!(
        fig.contains(&format!(
            "&lt;iframe src=&quot;{BASE}embed/q-kin.html&quot;"
        )),
        "the snippet is escaped text"
    );
    assert!(site.page("compare.html").contains(&format!(
        "&lt;iframe src=&quot;{BASE}embed/compare-azerbaijan.html&quot;"
    )));
}

#[test]
fn check_warns_when_a_published_quotation_changes_without_an_update() {
    let site = TestSite::with_default_theme("market");
    site.build().assert_ok();
    // Shorten a quotation (still verbatim in the source): its page changed.
    site.edit(
        "content/people/ann.md",
        "text = \"We need the hall before winter, or the traders will leave\"",
        "text = \"We need the hall before winter\"",
    );
    site.edit(
        "content/people/ann.md",
        "text = \"or the traders will leave\"",
        "text = \"before winter\"",
    );
    let run = site.check();
    run.assert_ok();
    run.assert_stderr_has("content/people/ann.md:")
        .assert_stderr_has("quotation `before-winter`")
        .assert_stderr_has("changed since the last published build");
    // The same change with a dated update: no warning.
    site.edit(
        "content/people/ann.md",
        "\n[extra]\n",
        "\n[[updates]]\ndate = 2026-12-01\nkind = \"correction\"\nnote = \"An earlier version quoted more of this sentence.\"\n\n[extra]\n",
    );
    let run = site.check();
    run.assert_ok();
    assert!(
        !run.stderr
            .contains("changed since the last published build"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_content_404_page_is_neither_canonical_nor_in_the_sitemap() {
    let site = TestSite::explainer();
    site.write(
        "content/404.md",
        "+++\ntitle = \"Lost?\"\n+++\nThat page is not here.\n",
    );
    build_with_base(&site);
    assert!(site.page("404.html").contains("That page is not here"));
    assert!(!site.page("404.html").contains("rel=\"canonical\""));
    assert!(!site.page("sitemap.xml").contains("404"));
}

#[test]
fn an_invalid_base_url_flag_is_refused() {
    let site = TestSite::explainer();
    let run = build_at(&site, "ftp://example.org/");
    run.assert_failed().assert_stderr_has("invalid --base-url");
    assert!(!site.out().exists());
}

/// A quotation the article has through another figure names that figure wherever it stands
/// alone: the embed's title and heading, its share tags and image text, and its JSON-LD.
#[test]
fn a_reported_quotation_names_its_reporter_everywhere_it_is_shared() {
    let site = TestSite::with_default_theme("market");
    build_with_base(&site);
    let embed = site.page("embed/q-pays-for-itself.html");
    let label = "Ben Ortiz, quoting Ann Lee";
    assert!(
        embed.contains(&format!("<title>{label}: a quotation")),
        "title: {embed}"
    );
    assert!(
        meta(&embed, "og:title").is_some_and(|t| t.starts_with(label)),
        "og:title: {:?}",
        meta(&embed, "og:title")
    );
    assert!(
        meta(&embed, "og:image:alt").is_some_and(|t| t.contains(&format!("— {label}."))),
        "og:image:alt: {:?}",
        meta(&embed, "og:image:alt")
    );
    let fig = site.page("people/ann.html");
    let mut nodes = Vec::new();
    let blocks = json_ld(&fig);
    blocks.iter().for_each(|b| typed_nodes(b, &mut nodes));
    let quote = nodes
        .iter()
        .find(|n| n["@type"] == "Quotation" && n["text"] == "the hall pays for itself")
        .expect("the reported quotation in JSON-LD");
    assert_eq!(quote["creator"]["name"], "Ann Lee", "{quote}");
    assert_eq!(quote["contributor"]["name"], "Ben Ortiz", "{quote}");
    assert_eq!(quote["description"], label, "{quote}");
    // A quotation in the speaker's own words names only the speaker.
    let own = site.page("embed/q-before-winter.html");
    assert!(own.contains("<title>Ann Lee: a quotation"), "{own}");
}

/// A page named with letters beyond ASCII: its absolute URLs (sitemap, canonical link) are
/// percent-encoded, and the link check still finds the page behind them.
#[test]
fn absolute_urls_of_accented_file_names_are_percent_encoded() {
    let site = TestSite::fixture("minimal");
    site.write(
        "content/café.md",
        "+++\ntitle = \"Café\"\ndescription = \"A page.\"\n+++\nSee [the report](@/report.md).\n",
    );
    build_with_base(&site);
    let sitemap = std::fs::read_to_string(site.out().join("sitemap.xml")).expect("sitemap");
    assert!(
        sitemap.contains(&format!("{BASE}caf%C3%A9.html")),
        "{sitemap}"
    );
    assert!(!sitemap.contains("café"), "{sitemap}");
    let page = site.page("café.html");
    assert!(
        page.contains(&format!(
            "<link rel=\"canonical\" href=\"{BASE}caf%C3%A9.html\""
        )),
        "{page}"
    );
}

/// A base URL that could not stand in a link as written is refused at once.
#[test]
fn a_base_url_a_link_cannot_carry_is_refused() {
    let site = TestSite::fixture("minimal");
    for bad in [
        "https://x.org/%zz/",
        "https://x.org/../",
        "https://x.org/\"><b>/",
    ] {
        build_at(&site, bad)
            .assert_failed()
            .assert_stderr_has("invalid --base-url");
    }
}
