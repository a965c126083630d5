//! The real explainer in `content/`, built into a temp folder and read back as a browser
//! would: every page there, every link landing, every quote verbatim, output deterministic.
//! Expectations come from the content files themselves, so the test follows the content.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use common::{TestSite, links_and_ids, repo_root, snapshot};

fn built() -> TestSite {
    let site = TestSite::explainer();
    let run = site.build();
    run.assert_ok();
    assert!(
        run.stdout.contains("Open file://"),
        "the build says where to open it: {}",
        run.stdout
    );
    site
}

/// Front matter of a content file, as TOML.
fn front_matter(site: &TestSite, rel: &str) -> toml::Table {
    let text = site.read(&format!("content/{rel}"));
    let toml_text = text
        .split("+++")
        .nth(1)
        .unwrap_or_else(|| panic!("{rel}: no front matter"));
    toml_text.parse().unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn figure_files(site: &TestSite) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(site.path().join("content/figures"))
        .expect("content/figures")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md") && n != "_index.md")
        .collect();
    v.sort();
    v
}

/// Text of an HTML page as a reader sees it: tags removed (block tags become a space),
/// entities decoded, whitespace folded. The small "Quote by …" links lede adds after quotes
/// in the article are left out, so the article's own words can be compared.
fn visible_text(html: &str) -> String {
    let mut html = html.to_string();
    while let Some(start) = html.find("<a class=\"quote-by\"") {
        let end = html[start..]
            .find("</a>")
            .map_or(html.len(), |e| start + e + 4);
        html.replace_range(start..end, "");
    }
    let mut out = String::new();
    let mut rest = html.as_str();
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let gt = rest[lt..].find('>').map_or(rest.len(), |g| lt + g + 1);
        let name: String = rest[lt + 1..gt.saturating_sub(1)]
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let inline = [
            "a", "span", "em", "strong", "abbr", "dfn", "q", "cite", "b", "i", "mark", "code",
            "small",
        ];
        if !inline.contains(&name.as_str()) {
            out.push(' ');
        }
        rest = &rest[gt..];
    }
    out.push_str(rest);
    let decoded = out
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    fold(&decoded)
}

fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_page_of_the_explainer_exists() {
    let site = built();
    let mut expected = vec![
        "index.html".to_string(),
        "article.html".into(),
        "compare.html".into(),
        "figures/index.html".into(),
        "404.html".into(),
    ];
    expected.extend(
        figure_files(&site)
            .iter()
            .map(|f| format!("figures/{}", f.replace(".md", ".html"))),
    );
    for page in &expected {
        let html = site.page(page);
        assert!(html.contains("<title>"), "{page} has a <title>");
        assert!(
            html.contains("<meta name=\"description\""),
            "{page} has a meta description"
        );
        assert_eq!(
            html.matches("<h1").count(),
            1,
            "{page} has exactly one <h1>"
        );
        assert!(html.contains("Caliber.Az"), "{page} credits the source");
    }
    assert!(
        figure_files(&site).len() >= 4,
        "at least the four quoted figures"
    );
}

#[test]
fn every_internal_link_and_fragment_resolves() {
    let site = built();
    let files = snapshot(&site.out());
    let ids: HashMap<String, Vec<String>> = files
        .iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "html"))
        .map(|(p, b)| {
            (
                p.to_string_lossy().into_owned(),
                links_and_ids(&String::from_utf8_lossy(b)).1,
            )
        })
        .collect();
    let mut checked = 0;
    for (page, bytes) in files
        .iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "html"))
    {
        let (links, _) = links_and_ids(&String::from_utf8_lossy(bytes));
        for link in links {
            if link.starts_with("http:")
                || link.starts_with("https:")
                || link.starts_with("mailto:")
            {
                continue;
            }
            assert!(
                !link.starts_with('/'),
                "{page:?}: `{link}` is absolute; it breaks on file://"
            );
            let (path, frag) = link
                .split_once('#')
                .map_or((link.as_str(), None), |(p, f)| (p, Some(f)));
            let target = if path.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap_or(Path::new("")).join(path)
            };
            let target = normalize(&target);
            assert!(
                files.contains_key(Path::new(&target)),
                "{page:?}: `{link}` → `{target}` is not a file of the site"
            );
            if let Some(f) = frag {
                let target_ids = ids
                    .get(&target)
                    .unwrap_or_else(|| panic!("{target} is not a page"));
                assert!(
                    target_ids.iter().any(|i| i == f),
                    "{page:?}: `{link}`: no id `{f}` on {target}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} links checked");
}

fn normalize(p: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

/// The article as received, if the shared folder is beside the repository.
fn source_article() -> Option<String> {
    std::fs::read_to_string(repo_root().join("../shared/source/article.txt")).ok()
}

fn typographic_fold(s: &str) -> String {
    fold(s)
}

#[test]
fn the_article_page_holds_the_article_verbatim() {
    let site = built();
    let article = visible_text(&site.page("article.html"));
    let Some(source) = source_article() else {
        eprintln!("../shared/source/article.txt not found: comparing with content/article.md only");
        return;
    };
    let mut lines = source.lines().filter(|l| !l.trim().is_empty());
    lines.next(); // headline and standfirst, checked below
    for para in lines {
        assert!(
            article.contains(&typographic_fold(para)),
            "article.html lacks the paragraph:\n{para}"
        );
    }
    let fm = front_matter(&site, "article.md");
    let headline = fm["title"].as_str().expect("title");
    assert!(
        source.starts_with(headline),
        "the headline is the article's own: {headline}"
    );
}

#[test]
fn every_quote_is_verbatim_on_its_figure_page_and_in_the_article() {
    let site = built();
    let article = visible_text(&site.page("article.html"));
    let source = source_article().map(|s| fold(&s));
    let mut total = 0;
    for file in figure_files(&site) {
        let page = visible_text(&site.page(&format!("figures/{}", file.replace(".md", ".html"))));
        let fm = front_matter(&site, &format!("figures/{file}"));
        for q in fm
            .get("quotes")
            .and_then(|q| q.as_array())
            .into_iter()
            .flatten()
        {
            let text = fold(q["text"].as_str().expect("quote text"));
            assert!(
                page.contains(&text),
                "{file}: quote not on its page:\n{text}"
            );
            assert!(
                article.contains(&text),
                "{file}: quote not in the article page:\n{text}"
            );
            if let Some(src) = &source {
                assert!(
                    src.contains(&text),
                    "{file}: quote not in article.txt:\n{text}"
                );
            }
            let id = q["id"].as_str().expect("quote id");
            let figure_html = site.page(&format!("figures/{}", file.replace(".md", ".html")));
            assert!(
                figure_html.contains(&format!("article.html#q-{id}")),
                "{file}: quote `{id}` links to its spot"
            );
            total += 1;
        }
    }
    assert!(total >= 6, "only {total} quotes found");
}

#[test]
fn the_comparison_has_both_camps_and_every_topic() {
    let site = built();
    let html = site.page("compare.html");
    let fm = front_matter(&site, "compare.md");
    let compare = fm["compare"].as_table().expect("[compare]");
    let columns = compare["columns"].as_array().expect("columns");
    assert_eq!(columns.len(), 2, "conservative and moderate");
    for c in columns {
        let rel = c.as_str().expect("ref").trim_start_matches("@/");
        let title = front_matter(&site, rel)["title"]
            .as_str()
            .expect("title")
            .to_string();
        assert!(
            html.contains(&title.replace('\'', "&#x27;")),
            "column `{title}` on the page"
        );
        assert!(html.contains("scope=\"col\""), "column headers have scope");
    }
    let rows = compare["rows"].as_array().expect("rows");
    assert!(rows.len() >= 5, "at least five topics");
    for row in rows {
        let topic = row["topic"].as_str().expect("topic");
        assert!(html.contains(topic), "topic `{topic}` on the page");
    }
    assert_eq!(
        html.matches("scope=\"row\"").count(),
        rows.len(),
        "one row header per topic"
    );
}

#[test]
fn two_builds_are_byte_identical() {
    let a = built();
    let b = built();
    let (sa, sb): (BTreeMap<_, _>, BTreeMap<_, _>) = (snapshot(&a.out()), snapshot(&b.out()));
    assert_eq!(sa.keys().collect::<Vec<_>>(), sb.keys().collect::<Vec<_>>());
    for (k, v) in &sa {
        assert!(sb[k] == *v, "{k:?} differs between two builds");
    }
}

#[test]
fn lede_check_passes_on_the_explainer() {
    let site = TestSite::explainer();
    let run = site.check();
    run.assert_ok();
    assert!(run.stdout.contains("No errors"), "{}", run.stdout);
}

/// In the article, each speaker badge follows the quote's closing punctuation (`…circles,”
/// Velayati`, not `…circles Velayati,”`), a quote inside another by the same speaker shares
/// its badge (no two badges side by side), and every quoted span points at its badge.
#[test]
fn speaker_badges_follow_the_punctuation_and_name_each_speaker_once() {
    let site = built();
    let html = site.page("article.html");
    let badges: Vec<usize> = html
        .match_indices("<a class=\"quote-by\"")
        .map(|(i, _)| i)
        .collect();
    assert!(badges.len() >= 10, "the article has speaker badges");
    let mut badge_ids = Vec::new();
    for &start in &badges {
        let end = start + html[start..].find("</a>").expect("badge closes") + "</a>".len();
        let after = html[end..].chars().next();
        assert!(
            !after.is_some_and(|c| ",.;:!?”’".contains(c)),
            "punctuation after a badge: {}",
            &html[start.saturating_sub(60)..(end + 10).min(html.len())]
        );
        let between = html[end..].trim_start().trim_start_matches("</span>");
        assert!(
            !between.starts_with("<a class=\"quote-by\""),
            "two badges side by side: {}",
            &html[start..(end + 200).min(html.len())]
        );
        let id_at = start + html[start..end].find("id=\"").expect("badge id") + 4;
        badge_ids.push(&html[id_at..id_at + html[id_at..].find('"').expect("id ends")]);
    }
    for (i, _) in html
        .match_indices("<span class=\"quote\"")
        .chain(html.match_indices("<span class=\"reported\""))
    {
        let tag = &html[i..i + html[i..].find('>').expect("tag ends")];
        let target = tag
            .split("aria-describedby=\"")
            .nth(1)
            .and_then(|t| t.split('"').next())
            .unwrap_or_else(|| panic!("no aria-describedby: {tag}"));
        assert!(badge_ids.contains(&target), "{tag} points at no badge");
    }
}
