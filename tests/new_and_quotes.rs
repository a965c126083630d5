//! `lede new figure|camp|term NAME` and `lede quotes`, on real sites through the CLI.

mod common;

use common::TestSite;

const ARTICLE: &str = "Harbour bridge vote\n\
Jane Doe, a retired ferry captain, has fought the bridge for two years.\n\
“The ferry is the town’s heart,” Doe said.\n\
Tom Berg, the mayor of the town, disagrees.\n\
“We cannot keep paying for a boat that breaks down,” the mayor said.\n";

/// A site made by `lede init` from a small invented article, in `<tmp>/site`.
fn new_site() -> TestSite {
    let site = TestSite::empty();
    site.write("article.txt", ARTICLE);
    site.lede(&["init", "site", "--source", "article.txt"])
        .assert_ok();
    site
}

fn new(site: &TestSite, kind: &str, name: &str) -> common::Run {
    site.lede(&["new", kind, name, "--root", "site"])
}

fn build(site: &TestSite) -> common::Run {
    site.lede(&["build", "--root", "site", "--output", "site/public"])
}

#[test]
fn new_pages_list_every_schema_field_and_keep_the_build_green() {
    let site = new_site();
    let run = new(&site, "figure", "Ann Lee");
    run.assert_ok();
    assert!(run.stdout.contains("ann-lee.md"), "{}", run.stdout);
    let figure = site.read("site/content/figures/ann-lee.md");
    assert!(figure.contains("draft = true"));
    assert!(figure.contains("title = \"Ann Lee\""));
    assert!(
        figure.contains(
            "one of \"camp member\", \"outside analyst\", \"mentioned, not quoted\"\nrole = \"\""
        ),
        "{figure}"
    );
    assert!(figure.contains("# role (required): "), "{figure}");
    assert!(
        figure.contains("copied word for word from the article\ndescribed_as = \"\""),
        "{figure}"
    );
    assert!(
        figure.contains("a reference to a page in content/camps/, like \"@/camps/name.md\""),
        "{figure}"
    );

    new(&site, "camp", "Bridge builders").assert_ok();
    let camp = site.read("site/content/camps/bridge-builders.md");
    assert!(camp.contains("# label (required)"), "{camp}");
    // The theme asks for a reference here, and so does `lede check`: never "free text".
    assert!(
        camp.contains("# backing (optional): ")
            && camp.contains("a reference to a page or one of its quotes"),
        "{camp}"
    );
    assert!(!camp.contains("free text"), "{camp}");
    new(&site, "term", "Ferry levy").assert_ok();
    assert!(
        site.read("site/content/glossary/ferry-levy.md")
            .contains("title = \"Ferry levy\"")
    );
    build(&site).assert_ok();

    // Filled in and confirmed, the camp page builds and is published.
    site.edit(
        "site/content/camps/bridge-builders.md",
        "draft = true\n",
        "",
    );
    site.edit(
        "site/content/camps/bridge-builders.md",
        "label = \"\"",
        "label = \"Builders\"",
    );
    build(&site).assert_ok();
    assert!(
        site.path()
            .join("site/public/camps/bridge-builders.html")
            .is_file()
    );
}

#[test]
fn names_in_any_script_make_file_names() {
    let site = new_site();
    new(&site, "figure", "Əli Həsənov").assert_ok();
    assert!(
        site.path()
            .join("site/content/figures/əli-həsənov.md")
            .is_file()
    );
}

#[test]
fn new_refuses_an_existing_page_and_bad_names() {
    let site = new_site();
    new(&site, "term", "Ferry levy").assert_ok();
    site.edit(
        "site/content/glossary/ferry-levy.md",
        "description = \"\"",
        "description = \"Mine.\"",
    );
    new(&site, "term", "ferry  LEVY")
        .assert_failed()
        .assert_stderr_has("ferry-levy.md already exists");
    assert!(
        site.read("site/content/glossary/ferry-levy.md")
            .contains("Mine."),
        "left alone"
    );
    for (name, says) in [
        ("", "the name is empty"),
        ("   ", "the name is empty"),
        ("../escape", "contains `/`"),
        ("..", "`..`"),
        ("bell\u{7}", "control character"),
        ("???", "no letter or digit"),
    ] {
        new(&site, "figure", name)
            .assert_failed()
            .assert_stderr_has("cannot make a file name from")
            .assert_stderr_has(says);
    }
}

#[test]
fn new_needs_the_section() {
    let site = new_site();
    std::fs::remove_file(site.path().join("site/content/glossary/_index.md")).expect("remove");
    new(&site, "term", "Levy")
        .assert_failed()
        .assert_stderr_has("glossary/_index.md")
        .assert_stderr_has("create it first");
}

#[test]
fn quotes_lists_each_quotation_its_speaker_and_who_claims_it() {
    let site = new_site();
    let run = site.lede(&["quotes", "--root", "site"]);
    run.assert_ok();
    let out = &run.stdout;
    assert!(
        out.starts_with(
            "site/content/article.md: 2 quotation(s) found, 2 attributed, 0 unattributed"
        ),
        "{out}"
    );
    assert!(
        out.contains("speaker: Jane Doe (name-verb-after, confidence 0.95)"),
        "{out}"
    );
    assert!(
        out.contains("speaker: Tom Berg (role-noun, confidence 0.80)"),
        "{out}"
    );
    assert!(
        out.contains("claimed by: @/figures/jane-doe.md#the-ferry-is-the (draft)"),
        "{out}"
    );
    let article = site.read("site/content/article.md");
    let line = article
        .lines()
        .position(|l| l.starts_with("“We cannot"))
        .expect("line")
        + 1;
    assert!(
        out.contains(&format!("site/content/article.md:{line}: “We cannot")),
        "{out}"
    );

    // A quotation no page claims says so.
    std::fs::remove_file(site.path().join("site/content/figures/tom-berg.md")).expect("remove");
    let out = site.lede(&["quotes", "--root", "site"]).stdout;
    assert!(out.contains("claimed by: no page"), "{out}");
}

#[test]
fn quotes_on_the_repository_explainer() {
    let site = TestSite::explainer();
    let run = site.lede(&["quotes"]);
    run.assert_ok();
    assert!(
        run.stdout
            .starts_with("content/article.md: 6 quotation(s) found, 6 attributed, 0 unattributed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("claimed by: @/figures/pezeshkian.md#kin"),
        "{}",
        run.stdout
    );
}

#[test]
fn quotes_without_a_source_page_says_what_to_do() {
    let site = TestSite::empty();
    site.write("content/a.md", "+++\ntitle = \"A\"\n+++\nText.\n");
    site.lede(&["quotes"])
        .assert_failed()
        .assert_stderr_has("has `source = true`");
}
