//! The files `lede init` writes: `lede.toml`, the source article, the sections with their
//! schemas, and one draft figure page per proposed speaker.
//!
//! Each file is a template string below with `{placeholders}`, so a change to the theme's
//! needs is a change of text here (the keys are those `templates/` reads today).

use std::collections::BTreeSet;

use crate::quotations::{Findings, Quotation};
use crate::slug::slugify;

use super::source_text::SourceText;

/// A file to write: its path in the site and its text.
pub type File = (String, String);

const LEDE_TOML: &str = r#"# Site settings, written by `lede init`. The default theme (templates/) uses every key
# below; keep them, fill in the empty ones.

# The site's name, in every page's header and <title>.
title = {title}
# One sentence about the site, for search engines and link previews.
description = ""
# The language of the article and of the site (the HTML `lang`), e.g. "en", "az", "ru".
language = "en"
# Where the site will be published. Without it the site is a portable folder of relative
# links; with it lede adds canonical links, share cards and images, structured data,
# sitemap.xml, robots.txt and an Atom feed of updates (README "Publishing").
# base_url = "https://example.org/explainers/name/"

# The navigation bar, in order; each `ref` is a page under content/.
[[nav]]
title = "Home"
ref = "@/_index.md"

[[nav]]
title = "The article"
ref = "@/article.md"

[[nav]]
title = "Who’s who"
ref = "@/figures/_index.md"

[[nav]]
title = "Side by side"
ref = "@/compare.md"

[[nav]]
title = "Glossary"
ref = "@/glossary/_index.md"

[extra]
# A credit for the source, in the footer of every page: "Source: …." (optional)
source_credit = ""
# Where the theme finds the site's parts (page references). Each is optional: delete a line
# (and its page) and the theme leaves that part out, with no dead link or empty heading.
compare = "@/compare.md"            # the side-by-side comparison
figures = "@/figures/_index.md"     # who's who: one page per person
camps = "@/camps/_index.md"         # the camps (sides, lines) the article sees
glossary = "@/glossary/_index.md"   # the terms the article uses

# The heading of each group on "Who’s who": one per `role` that content/figures/_index.md allows.
[extra.role_headings]
"camp member" = "Camp members"
"outside analyst" = "Outside analysts"
"mentioned, not quoted" = "Mentioned, not quoted"

# Every word the theme shows that is not content comes from a strings table: the theme's
# English defaults are in templates/theme.toml. Override or translate any of them here,
# e.g. for a site in another language:
# [strings]
# our_summary = "Bizim xülasəmiz:"
"#;

const HOME: &str = r#"+++
# The home page. Below the closing +++, write a short overview of the article in your own
# words; it is shown under "What this is about", marked as your summary.
title = {title}
description = ""
template = "home.html"
weight = 0
+++
"#;

const ARTICLE: &str = r#"+++
# The source article. The body below the closing +++ is its text, word for word: every
# quotation on the site is checked against it, so change no word (quote marks, dashes and
# spacing may differ).
title = {headline}
# One sentence for search engines and link previews.
description = ""
template = "article.html"
source = true
weight = 1
# What is known about the source. Each is optional: leave out what the source does not say,
# and the pages say plainly that it is not known ("The source gives no date").
# publisher = "…"                 # who published it
# published = 2024-09-30          # when (a TOML date)
# author = "…"                    # the byline
# url = "https://…"               # where the original stands
# about = """Our note about the source, in Markdown (shown marked as ours)."""
+++
{body}"#;

const FIGURES: &str = r#"+++
# Who's who: one page per person the article quotes or names (`lede new figure NAME`).
# `lede init` proposed a draft page for each speaker its quotation finder found: confirm
# each one (see the comments in the page), then delete its `draft = true`.
title = "Who’s who"
description = ""
page_template = "figure.html"
weight = 3

# Rules for the [extra] keys of every page in this folder; `lede check` enforces them.
[schema.camp]
ref = "camps"                 # optional: their camp, a page in content/camps/
[schema.role]
required = true               # how they figure in the article
one_of = ["camp member", "outside analyst", "mentioned, not quoted"]
[schema.described_as]
required = true               # how the article describes them
verbatim = true               # must stand word for word in the article
+++
"#;

const CAMPS: &str = r#"+++
# The camps (sides, lines) the article sees: one page per camp (`lede new camp NAME`).
# The comparison, content/compare.md, sets them side by side.
title = "Camps"
description = ""
page_template = "camp.html"
weight = 4

# Rules for the [extra] keys of every camp page; `lede check` enforces them.
[schema.label]
required = true               # a short name for the camp's tag, e.g. "Conservative"
[schema.backing]
ref = "*"                     # optional: a reference to the article's words that introduce
# the camp, e.g. "@/article.md#quote-id" for a [[quotes]] passage declared in content/article.md
+++
"#;

const GLOSSARY: &str = r#"+++
# The terms the article uses: one page per term (`lede new term NAME`), saying only what the
# article says about it. A term page may list `backing = ["@/article.md#quote-id", …]`
# under [extra]: passages of the article that use the term.
title = "Glossary"
description = ""
page_template = "term.html"
weight = 5
+++
"#;

const COMPARE: &str = r#"+++
# The side-by-side comparison. It needs camps: write two or more (`lede new camp NAME`),
# then uncomment `template` and the [compare] table below. One row per topic; in each row,
# one cell per camp, keyed by the camp page's file name.
title = "Side by side"
description = ""
weight = 2
# template = "compare.html"
#
# [compare]
# columns = ["@/camps/first.md", "@/camps/second.md"]
#
# [[compare.rows]]
# id = "a-topic"                            # the row's anchor
# topic = "A topic the article covers"
#
# [compare.rows.cells.first]
# summary = "Your one-line summary of this camp's position."
# backing = ["@/figures/someone.md#a-quote-id"]   # the quotes that back the summary
#
# [compare.rows.cells.second]
# silent = true                             # the article does not say
+++
"#;

const FIGURE: &str = r#"+++
# Proposed by `lede init`: its quotation finder thinks {name} said the quotations below.
# Check each one against the article and confirm the speaker (fix or move a quote that is
# someone else's), then delete `draft = true`. A draft page is left out of the build, so
# an unconfirmed proposal never goes live.
draft = true
title = {title}
# One sentence about them, in your own words (shown as "Our summary").
description = ""
weight = {weight}
# Their first mention in the article links to this page.
mentions = [{mentions}]

[extra]
# Required, one of the roles in content/figures/_index.md. A guess: change it to
# "camp member" and add `camp = "@/camps/….md"` if they belong to a camp.
role = "outside analyst"
{described_as}
{quotes}+++
"#;

fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (key, value) in values {
        out = out.replace(&format!("{{{key}}}"), value);
    }
    out
}

/// A TOML string holding `s` exactly: a basic string, or a multi-line one when `s` spans
/// lines (a quotation over two paragraphs).
pub fn toml_str(s: &str) -> String {
    let multiline = s.contains('\n');
    let mut out = String::from(if multiline { "\"\"\"\n" } else { "\"" });
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' if multiline => out.push('\n'),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push_str(if multiline { "\"\"\"" } else { "\"" });
    out
}

/// Every file of a new site except the theme.
pub fn site_files(source: &SourceText, findings: &Findings) -> Vec<File> {
    let title = toml_str(&source.headline);
    let mut files = vec![
        (
            "lede.toml".to_string(),
            fill(LEDE_TOML, &[("title", &title)]),
        ),
        (
            "content/_index.md".to_string(),
            fill(HOME, &[("title", &title)]),
        ),
        (
            "content/article.md".to_string(),
            fill(ARTICLE, &[("headline", &title), ("body", &source.body)]),
        ),
        ("content/figures/_index.md".to_string(), FIGURES.to_string()),
        ("content/camps/_index.md".to_string(), CAMPS.to_string()),
        (
            "content/glossary/_index.md".to_string(),
            GLOSSARY.to_string(),
        ),
        ("content/compare.md".to_string(), COMPARE.to_string()),
    ];
    files.extend(figure_files(&source.body, findings));
    files
}

/// Lines of `content/article.md` before the body starts (to turn body lines into file lines).
pub fn article_header_lines(source: &SourceText) -> usize {
    let title = toml_str(&source.headline);
    let head = ARTICLE.split("{body}").next().unwrap_or("");
    fill(head, &[("headline", &title)]).matches('\n').count()
}

/// One draft page per proposed speaker, in order of their first quotation.
fn figure_files(body: &str, findings: &Findings) -> Vec<File> {
    let mut names = BTreeSet::new();
    let mut ids = BTreeSet::new();
    let mut files = Vec::new();
    for (n, (person, quotes)) in findings.by_speaker().into_iter().enumerate() {
        let person = &findings.people[person];
        let slug = unique(&mut names, &non_empty(slugify(&person.name), "figure"));
        let quotes: String = quotes
            .iter()
            .map(|q| quote_entry(body, q, &mut ids))
            .collect();
        let mentions: Vec<String> = person.forms.iter().map(|f| toml_str(f)).collect();
        let text = fill(
            FIGURE,
            &[
                ("name", &person.name),
                ("title", &toml_str(&person.name)),
                ("weight", &(n + 1).to_string()),
                ("mentions", &mentions.join(", ")),
                ("described_as", &described_as(&person.descriptions)),
                ("quotes", &quotes),
            ],
        );
        files.push((format!("content/figures/{slug}.md"), text));
    }
    files
}

/// `described_as` copied from the article, or left empty for the editor: never made up.
fn described_as(found: &[String]) -> String {
    let Some((first, others)) = found.split_first() else {
        return "# Required, word for word from the article: the finder found no description of them.\n\
                # Copy how the article describes them (`lede check` refuses words not in the article).\n\
                described_as = \"\""
            .to_string();
    };
    let mut out =
        String::from("# Required, word for word from the article: copied from it by the finder.\n");
    for other in others {
        out.push_str(&format!("# The article also says: {}\n", toml_str(other)));
    }
    out.push_str(&format!("described_as = {}", toml_str(first)));
    out
}

fn quote_entry(body: &str, q: &Quotation, ids: &mut BTreeSet<String>) -> String {
    let words = q.words(body);
    let first_words: Vec<&str> = words.split_whitespace().take(4).collect();
    let id = unique(ids, &non_empty(slugify(&first_words.join(" ")), "quote"));
    let (rule, confidence) = q
        .proposal
        .map_or(("none", 0.0), |p| (p.rule.name(), p.rule.confidence()));
    let why = q.proposal.map_or("", |p| p.rule.explain());
    format!(
        "\n# Proposed by rule {rule} (confidence {confidence:.2}): {why}.\n\
         [[quotes]]\nid = {}\ntext = {}\n",
        toml_str(&id),
        toml_str(words)
    )
}

fn non_empty(slug: String, fallback: &str) -> String {
    if slug.is_empty() {
        fallback.to_string()
    } else {
        slug
    }
}

/// `base`, or `base-2`, `base-3`… if taken; remembered as taken.
fn unique(taken: &mut BTreeSet<String>, base: &str) -> String {
    let mut candidate = base.to_string();
    let mut n = 1;
    while taken.contains(&candidate) {
        n += 1;
        candidate = format!("{base}-{n}");
    }
    taken.insert(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_strings_round_trip() {
        for s in [
            "plain",
            "with \"quotes\" and \\",
            "two\n\nparagraphs “x”",
            "tab\there",
        ] {
            let doc = format!("v = {}\n", toml_str(s));
            let parsed: toml::Table = toml::from_str(&doc).unwrap_or_else(|e| panic!("{doc}: {e}"));
            assert_eq!(parsed["v"].as_str(), Some(s), "{doc}");
        }
    }

    #[test]
    fn ids_are_unique() {
        let mut taken = BTreeSet::new();
        assert_eq!(unique(&mut taken, "a"), "a");
        assert_eq!(unique(&mut taken, "a"), "a-2");
    }
}
