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
/// entities decoded, whitespace folded.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
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
    let article = visible_text(&without_notes(&site.page("article.html")));
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

/// Entities as lede writes them, decoded.
fn decode(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The article body's own paragraphs (`<p>` without attributes, outside the notes), as HTML.
fn article_paragraphs(html: &str) -> Vec<String> {
    let start = html
        .find("<div class=\"article-body\">")
        .expect("article body");
    let body = &html[start..];
    let body = &body[..body.find("</article>").expect("article ends")];
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find("<p>") {
        let inner = &rest[open + 3..];
        let close = inner.find("</p>").expect("paragraph closes");
        out.push(inner[..close].to_string());
        rest = &inner[close..];
    }
    out
}

/// Removes every element with `role="note"` (and what it holds) from an HTML fragment.
fn without_notes(html: &str) -> String {
    let mut out = html.to_string();
    while let Some(at) = out.find("role=\"note\"") {
        let start = out[..at].rfind('<').expect("note tag opens");
        let name: String = out[start + 1..]
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        let close = format!("</{name}>");
        let end = out[at..].find(&close).expect("note closes") + at + close.len();
        out.replace_range(start..end, "");
    }
    out
}

/// The tags inside a paragraph of the article, which must only mark it up: marks, excerpt
/// anchors and first-mention links. Anything else would be text lede added to a sentence.
fn strip_marks(html: &str, para: usize) -> String {
    let allowed = [
        "<span class=\"mark ",
        "<span class=\"excerpt\"",
        "</span>",
        "<a class=\"mention\"",
        "</a>",
    ];
    let mut out = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let gt = lt + rest[lt..].find('>').expect("tag closes");
        let tag = &rest[lt..=gt];
        assert!(
            allowed.iter().any(|a| tag.starts_with(a)),
            "paragraph {para}: `{tag}` stands inside the article's text"
        );
        rest = &rest[gt + 1..];
    }
    out.push_str(rest);
    decode(&out)
}

/// Every paragraph of the article page, with the notes taken out, is the source paragraph
/// exactly: no label, badge or marker inside a sentence.
#[test]
fn every_article_paragraph_reads_exactly_as_the_source() {
    let site = built();
    let html = site.page("article.html");
    let paragraphs = article_paragraphs(&without_notes(&html));
    let Some(source) = source_article() else {
        eprintln!("../shared/source/article.txt not found: skipping the comparison");
        return;
    };
    let expected: Vec<&str> = source
        .lines()
        .filter(|l| !l.trim().is_empty())
        .skip(1)
        .collect();
    assert_eq!(paragraphs.len(), expected.len(), "one <p> per paragraph");
    for (n, (got, want)) in paragraphs.iter().zip(&expected).enumerate() {
        assert_eq!(strip_marks(got, n + 1), want.trim(), "paragraph {}", n + 1);
    }
    eprintln!(
        "{} of {} paragraphs read as the source",
        paragraphs.len(),
        expected.len()
    );
}

/// Each quote kind of a figure file, by id: (kind, speaker title, via title).
fn attributed(site: &TestSite) -> Vec<(String, String, String, Option<String>)> {
    let mut out = Vec::new();
    for file in figure_files(site) {
        let fm = front_matter(site, &format!("figures/{file}"));
        let title = fm["title"].as_str().expect("title").to_string();
        for q in fm
            .get("quotes")
            .and_then(|q| q.as_array())
            .into_iter()
            .flatten()
        {
            let kind = q
                .get("kind")
                .and_then(|k| k.as_str())
                .unwrap_or("quotation");
            let via = q.get("via").and_then(|v| v.as_str()).map(|v| {
                let rel = v.trim_start_matches("@/");
                front_matter(site, rel)["title"]
                    .as_str()
                    .expect("title")
                    .to_string()
            });
            out.push((
                q["id"].as_str().expect("id").to_string(),
                kind.to_string(),
                title.clone(),
                via,
            ));
        }
    }
    out
}

/// The text of the element with this id (tags removed), or None.
fn element_text(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let start = html[..at].rfind('<')?;
    let name: String = html[start + 1..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let end = html[at..].find(&format!("</{name}>"))? + at;
    let inner = &html[html[start..].find('>')? + start + 1..end];
    Some(visible_text(inner))
}

/// Each quotation and paraphrase has exactly one attribution note in the article, a
/// `role="note"` that every piece of it points at, and the note says who speaks and how.
#[test]
fn every_attributed_passage_has_one_note_that_says_who_speaks() {
    let site = built();
    let html = site.page("article.html");
    let quotes = attributed(&site);
    assert!(
        quotes.len() >= 10,
        "only {} attributed passages",
        quotes.len()
    );
    for (id, kind, speaker, via) in &quotes {
        let note_id = format!("note-q-{id}");
        assert_eq!(
            html.matches(&format!("id=\"{note_id}\"")).count(),
            1,
            "`{id}`: one note"
        );
        let note = element_text(&html, &note_id).expect("note");
        let label = match (kind.as_str(), via) {
            ("quotation", None) => speaker.clone(),
            ("quotation", Some(v)) => format!("{v}, quoting {speaker}"),
            ("paraphrase", None) => format!("the article, paraphrasing {speaker}"),
            ("paraphrase", Some(v)) => format!("{v}, on {speaker}"),
            (k, _) => panic!("unknown kind {k}"),
        };
        let name = if kind == "quotation" {
            "Quotation"
        } else {
            "Paraphrase"
        };
        assert_eq!(note, format!("{name} {label}"), "`{id}`'s note");
        let tag_at = html.find(&format!("id=\"q-{id}\"")).expect("mark");
        let tag = &html[html[..tag_at].rfind('<').expect("tag")..];
        let tag = &tag[..tag.find('>').expect("tag end")];
        assert!(
            tag.contains(&format!("aria-describedby=\"{note_id}\"")),
            "`{id}` points at its note: {tag}"
        );
        assert!(
            tag.contains(&format!("mark-{kind}")),
            "`{id}` is marked as a {kind}: {tag}"
        );
    }
    // Every aria-describedby lands on a note.
    for (at, _) in html.match_indices("aria-describedby=\"") {
        let target = &html[at + 18..];
        let target = &target[..target.find('"').expect("attr ends")];
        assert!(
            html.contains(&format!("id=\"{target}\" "))
                || html.contains(&format!("id=\"{target}\">")),
            "{target}"
        );
    }
    // Excerpts are anchors only: no note of their own.
    for file in figure_files(&site) {
        let fm = front_matter(&site, &format!("figures/{file}"));
        for x in fm
            .get("excerpts")
            .and_then(|x| x.as_array())
            .into_iter()
            .flatten()
        {
            let id = x["id"].as_str().expect("id");
            assert!(
                html.contains(&format!("<span class=\"excerpt\" id=\"q-{id}\">")),
                "excerpt `{id}` anchored"
            );
            assert!(
                !html.contains(&format!("note-q-{id}\"")),
                "excerpt `{id}` has no note"
            );
        }
    }
}

/// Cards count a figure's quotations and paraphrases, not the excerpts cut from them: the
/// article quotes each analyst twice.
#[test]
fn figure_cards_count_quotations_and_paraphrases() {
    let site = built();
    let html = site.page("figures/index.html");
    let quotes = attributed(&site);
    for file in figure_files(&site) {
        let fm = front_matter(&site, &format!("figures/{file}"));
        let title = fm["title"].as_str().expect("title");
        let count = |k: &str| {
            quotes
                .iter()
                .filter(|(_, kind, s, _)| s == title && kind == k)
                .count()
        };
        let (q, p) = (count("quotation"), count("paraphrase"));
        let card_at = html.find(&format!(">{title}</a>")).expect("card");
        let card = &html[card_at..card_at + html[card_at..].find("</li>").expect("card ends")];
        let expected = match (q, p) {
            (0, 0) => "Not quoted".to_string(),
            (q, 0) => format!("Quotations: {q}"),
            (0, p) => format!("Paraphrases: {p}"),
            (q, p) => format!("Quotations: {q} · Paraphrases: {p}"),
        };
        assert!(card.contains(&expected), "{title}: `{expected}` in {card}");
    }
    for analyst in ["Rasim Musabayov", "Mikhail Borodkin"] {
        let card_at = html.find(&format!(">{analyst}</a>")).expect("card");
        assert!(
            html[card_at..].contains("Quotations: 2"),
            "{analyst} has two quotations"
        );
    }
}

/// A figure's page says whether they are in the comparison from the content: Khamenei is
/// named in a summary there, so his page lists that row.
#[test]
fn in_the_comparison_is_derived_from_the_content() {
    let site = built();
    let html = site.page("figures/khamenei.html");
    assert!(
        html.contains("compare.html#supreme-leader"),
        "Khamenei's row is listed"
    );
    assert!(!html.contains("does not appear in the comparison"));
    let compare = site.page("compare.html");
    let row = &compare[compare.find("id=\"supreme-leader\"").expect("row")..];
    let voices = &row[..row.find("</th>").expect("row header ends")];
    assert!(
        !voices.contains("Ali Akbar Velayati"),
        "Velayati does not speak in that row: {voices}"
    );
}

/// The source's unknowns are said plainly, on the article and the home page.
#[test]
fn what_the_source_does_not_say_is_said_plainly() {
    let site = built();
    for page in ["article.html", "index.html"] {
        let html = site.page(page);
        for says in [
            "The source gives no date.",
            "The source gives no byline.",
            "The source gives no link.",
            "Caliber.Az",
        ] {
            assert!(html.contains(says), "{page}: `{says}`");
        }
    }
    let home = site.page("index.html");
    assert!(!home.contains("everything else on this site comes from the article"));
}
