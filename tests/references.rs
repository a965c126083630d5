//! Where `@/` references land: in page bodies, and in comparison summaries (short Markdown
//! rendered by the `markdown` filter, where a broken link is still blamed on the content).

mod common;

use common::TestSite;

/// A link to a quote reference (`@/people/ann.md#jobs`) lands on the quote's anchor.
#[test]
fn summary_links_resolve_relative_to_the_page_that_shows_them() {
    let site = TestSite::fixture("minimal");
    let compare = site.read("content/compare.md").replace(
        "\"It brings jobs.\"",
        "\"It brings jobs, says [Ann](@/people/ann.md#jobs).\"",
    );
    // One folder down, so a link that ignored the page's `root` would break.
    site.remove("content/compare.md")
        .write("content/views/compare.md", compare)
        .edit("lede.toml", "@/compare.md", "@/views/compare.md")
        .edit("content/_index.md", "@/compare.md", "@/views/compare.md");
    site.build().assert_ok();
    let html = site.page("views/compare.html");
    assert!(
        html.contains(r#"says <a href="../people/ann.html#q-jobs">Ann</a>."#),
        "{html}"
    );
}

#[test]
fn a_broken_summary_link_is_reported_in_the_content_file() {
    let site = TestSite::fixture("minimal");
    site.edit(
        "content/compare.md",
        "\"It brings jobs.\"",
        "\"It brings jobs, says [Ann](@/people/anne.md).\"",
    );
    site.check()
        .assert_failed()
        .assert_stderr_has("content/compare.md:14:")
        .assert_stderr_has("did you mean `@/people/ann.md`?");
}

#[test]
fn a_body_link_to_a_quote_lands_on_the_quote() {
    let site = TestSite::fixture("minimal");
    let report = site.read("content/report.md") + "\nAnn [said so](@/people/ann.md#jobs).\n";
    site.write("content/report.md", report);
    site.build().assert_ok();
    let html = site.page("report.html");
    assert!(
        html.contains(r#"<a href="people/ann.html#q-jobs">said so</a>"#),
        "{html}"
    );
}
