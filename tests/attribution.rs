//! Attribution kinds in the default theme, on a small explainer of its own
//! (`tests/fixtures/market`): three camps, one quotation, paraphrase, quotation reported by
//! another figure (`via`), paraphrase reported by another figure, and an excerpt; no glossary.

mod common;

use common::TestSite;

fn built() -> TestSite {
    let site = TestSite::with_default_theme("market");
    site.build().assert_ok();
    site
}

/// The note lede puts beside a passage in the source page, as text.
fn note(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"note-q-{id}\""))
        .unwrap_or_else(|| panic!("no note for `{id}`"));
    let start = html[..at].rfind('<').expect("tag");
    let end = at + html[at..].find("</p>").expect("note ends");
    let mut text = String::new();
    let mut inside = false;
    for c in html[start..end].chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn each_kind_of_passage_says_exactly_who_speaks() {
    let site = built();
    let html = site.page("report.html");
    assert_eq!(note(&html, "before-winter"), "Quotation Ann Lee");
    assert_eq!(
        note(&html, "cost"),
        "Paraphrase the article, paraphrasing Ben Ortiz"
    );
    assert_eq!(note(&html, "lifeline"), "Paraphrase Ben Ortiz, on Ann Lee");
    assert_eq!(
        note(&html, "pays-for-itself"),
        "Quotation Ben Ortiz, quoting Ann Lee"
    );
    assert!(
        !html.contains("note-q-traders-leave\""),
        "an excerpt has no note of its own"
    );
    // The same labels on the cards of the speaker's page.
    let ann = site.page("people/ann.html");
    assert!(ann.contains("— <a href=\"../people/ben.html\">Ben Ortiz</a>, on Ann Lee"));
    assert!(ann.contains("— <a href=\"../people/ben.html\">Ben Ortiz</a>, quoting Ann Lee"));
}

#[test]
fn cards_count_quotations_and_paraphrases_but_not_excerpts() {
    let site = built();
    let html = site.page("people/index.html");
    let card = |name: &str| {
        let at = html.find(&format!(">{name}</a>")).expect("card");
        html[at..at + html[at..].find("</li>").expect("card ends")].to_string()
    };
    assert!(
        card("Ann Lee").contains("Quotations: 2 · Paraphrases: 1"),
        "{}",
        card("Ann Lee")
    );
    assert!(card("Ben Ortiz").contains("Quotations: 1 · Paraphrases: 1"));
    assert!(card("Cara Diaz").contains("Paraphrases: 1"));
}

#[test]
fn three_camps_side_by_side_with_voices_from_the_evidence() {
    let site = built();
    let html = site.page("compare.html");
    assert_eq!(
        html.matches("<th scope=\"col\">").count(),
        4,
        "topic + 3 camps"
    );
    assert_eq!(
        html.matches("<td class=\"cell").count(),
        6,
        "2 rows × 3 camps"
    );
    let row = &html[html.find("id=\"when\"").expect("row")..];
    let header = &row[..row.find("</th>").expect("header ends")];
    let order: Vec<usize> = ["Ann Lee", "Ben Ortiz", "Cara Diaz"]
        .iter()
        .map(|n| {
            header
                .find(n)
                .unwrap_or_else(|| panic!("{n} is a voice: {header}"))
        })
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "voices in column order: {header}"
    );
    // Evidence sits in a disclosure, and a summary is never its own evidence.
    assert_eq!(html.matches("<details class=\"evidence\">").count(), 5);
    for wording in ["two camps", "the other", "both camps"] {
        assert!(
            !html.contains(wording),
            "wording that assumes two camps: {wording}"
        );
    }
}

#[test]
fn a_site_without_a_glossary_has_no_link_or_heading_for_one() {
    let site = built();
    for page in [
        "index.html",
        "report.html",
        "people/ann.html",
        "camps/hall.html",
    ] {
        let html = site.page(page);
        assert!(
            !html.to_lowercase().contains("glossary"),
            "{page} mentions a glossary"
        );
        assert!(!html.contains("Look up a term"), "{page}");
    }
}

#[test]
fn a_toml_date_is_accepted_and_shown() {
    let site = built();
    let html = site.page("report.html");
    assert!(
        html.contains("<time datetime=\"2024-09-30\">30 September 2024</time>"),
        "published date shown"
    );
    assert!(html.contains("The source gives no byline."));
    assert!(html.contains("Riverside Courier"));
}

#[test]
fn a_summary_that_repeats_its_evidence_is_refused() {
    let site = TestSite::with_default_theme("market");
    site.edit(
        "content/compare.md",
        "summary = \"Now, before winter.\"",
        "summary = \"We need the hall before winter, or the traders will leave.\"",
    );
    site.check()
        .assert_failed()
        .assert_stderr_has("content/compare.md:")
        .assert_stderr_has("the summary repeats its evidence");
}

/// A figure through whom the article has someone else's words shows them on their own page,
/// each card saying whose words they are; the speaker's page keeps the quote's anchor.
#[test]
fn a_reporting_figure_shows_the_words_it_reports() {
    let site = TestSite::with_default_theme("market");
    site.build().assert_ok();
    let ben = site.page("people/ben.html");
    let section = ben
        .split("<h2 id=\"relays-heading\">")
        .nth(1)
        .expect("a section of what Ben Ortiz reports");
    assert!(
        section.starts_with("Reported by Ben Ortiz</h2>"),
        "{section}"
    );
    assert!(section.contains("the hall pays for itself"), "{section}");
    assert!(section.contains("quoting"), "{section}");
    assert!(
        !section.contains("id=\"q-pays-for-itself\""),
        "the anchor stays on the speaker's page"
    );
    assert!(
        site.page("people/ann.html")
            .contains("id=\"q-pays-for-itself\"")
    );
}
