//! One small broken site per failure kind. Each must fail `lede build` and `lede check` with
//! the right file and line, exit non-zero, and leave the previous output byte for byte as it was.

mod common;

use common::{TestSite, snapshot};

/// Builds the fixture once (the "published" site), breaks it with `change`, then asserts
/// both commands fail naming `at` (`path:line:`) and `says`, and the output is untouched.
fn fails(change: impl Fn(&TestSite), at: &str, says: &str) {
    let site = TestSite::fixture("minimal");
    site.build().assert_ok();
    let before = snapshot(&site.out());
    change(&site);
    for run in [site.build(), site.check()] {
        run.assert_failed()
            .assert_stderr_has(at)
            .assert_stderr_has(says);
        assert!(
            run.stderr.contains("error(s)"),
            "a count ends the report:\n{}",
            run.stderr
        );
    }
    assert_eq!(
        before,
        snapshot(&site.out()),
        "the previous output must be left as it was"
    );
    // Pages are written to a hidden work folder as they render; a failed build removes it.
    let leftovers: Vec<_> = std::fs::read_dir(site.path())
        .expect("site folder")
        .filter_map(Result::ok)
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.contains(".lede-") && !n.ends_with(".lede-lock")
        })
        .collect();
    assert!(
        leftovers.is_empty(),
        "work folders left behind: {leftovers:?}"
    );
}

#[test]
fn misquote() {
    fails(
        |s| {
            s.edit("content/people/ann.md", "real jobs—to", "good jobs—to");
        },
        "content/people/ann.md:14:",
        "the quote has “good” where the article has “real”",
    );
}

#[test]
fn one_changed_word_in_a_long_quote_spanning_paragraphs() {
    fails(
        |s| {
            s.edit(
                "content/people/ben.md",
                "fix the ferry first",
                "fix the harbour first",
            );
        },
        "content/people/ben.md:14:",
        "the quote has “harbour” where the article has “ferry”",
    );
}

#[test]
fn unknown_figure_reference_suggests_the_right_one() {
    fails(
        |s| {
            s.edit(
                "content/compare.md",
                "backing = [\"@/people/ann.md#jobs\"",
                "backing = [\"@/people/anne.md#jobs\"",
            );
        },
        "content/compare.md:15:",
        "did you mean `@/people/ann.md`?",
    );
}

/// A quote of Ann's appended to her file (after the existing front matter keys).
fn add_to_ann(s: &TestSite, toml: &str) {
    s.edit(
        "content/people/ann.md",
        "harbour,\"\n+++",
        &format!("harbour,\"\n\n{toml}\n+++"),
    );
}

#[test]
fn a_quotation_that_is_not_inside_quotation_marks() {
    fails(
        |s| add_to_ann(s, "[[quotes]]\nid = \"backs\"\ntext = \"backs the bridge\""),
        "content/people/ann.md:18:",
        "is a quotation, but in the article it does not stand inside quotation marks",
    );
    let site = TestSite::fixture("minimal");
    add_to_ann(
        &site,
        "[[quotes]]\nid = \"backs\"\ntext = \"backs the bridge\"",
    );
    site.check().assert_stderr_has("kind = \"paraphrase\"");
}

#[test]
fn an_excerpt_that_is_not_inside_its_quotation() {
    fails(
        |s| {
            add_to_ann(
                s,
                "[[excerpts]]\nid = \"split\"\nof = \"jobs\"\ntext = \"The town council is split\"",
            )
        },
        "content/people/ann.md:19:",
        "excerpt `split` is not inside its quote `jobs`",
    );
}

#[test]
fn an_excerpt_of_a_quote_that_does_not_exist() {
    fails(
        |s| {
            add_to_ann(
                s,
                "[[excerpts]]\nid = \"j\"\nof = \"job\"\ntext = \"real jobs\"",
            )
        },
        "content/people/ann.md:18:",
        "did you mean `jobs`?",
    );
}

#[test]
fn a_via_that_names_no_figure() {
    fails(
        |s| {
            add_to_ann(
                s,
                "[[quotes]]\nid = \"fish\"\nkind = \"paraphrase\"\nvia = \"@/people/bne.md\"\ntext = \"disagrees\"",
            )
        },
        "content/people/ann.md:19:",
        "did you mean `@/people/ben.md`?",
    );
    fails(
        |s| {
            add_to_ann(
                s,
                "[[quotes]]\nid = \"fish\"\nkind = \"paraphrase\"\nvia = \"@/report.md\"\ntext = \"disagrees\"",
            )
        },
        "content/people/ann.md:19:",
        "`@/report.md` is not a figure",
    );
}

#[test]
fn an_unknown_kind_suggests_the_right_one() {
    fails(
        |s| {
            add_to_ann(
                s,
                "[[quotes]]\nid = \"fish\"\nkind = \"paraphase\"\ntext = \"disagrees\"",
            )
        },
        "content/people/ann.md:18:",
        "did you mean `paraphrase`?",
    );
}

#[test]
fn a_quote_that_stands_twice_must_say_which() {
    fails(
        |s| add_to_ann(s, "[[quotes]]\nid = \"twice\"\ntext = \"jobs\""),
        "content/people/ann.md:18:",
        "stands 2 times in the article",
    );
    let site = TestSite::fixture("minimal");
    add_to_ann(
        &site,
        "[[quotes]]\nid = \"twice\"\ntext = \"jobs\"\noccurrence = 2",
    );
    site.check().assert_ok();
}

#[test]
fn unknown_camp() {
    fails(
        |s| {
            s.edit(
                "content/people/ann.md",
                "@/camps/yes.md",
                "@/camps/maybe.md",
            );
        },
        "content/people/ann.md:8:",
        "`@/camps/maybe.md` does not exist",
    );
}

#[test]
fn missing_comparison_cell() {
    fails(
        |s| {
            s.edit(
                "content/compare.md",
                "[compare.rows.cells.no]\nsummary = \"It costs too much.\"",
                "[compare.rows.cells.nay]\nsummary = \"It costs too much.\"",
            );
        },
        "content/compare.md:11:",
        "has no cell for column `no`",
    );
}

#[test]
fn broken_internal_link() {
    fails(
        |s| {
            s.edit("content/_index.md", "@/report.md", "@/reprot.md");
        },
        "content/_index.md:5:",
        "did you mean `@/report.md`?",
    );
}

#[test]
fn broken_fragment() {
    fails(
        |s| {
            s.edit(
                "content/_index.md",
                "@/compare.md#cost",
                "@/compare.md#cots",
            );
        },
        "content/_index.md:6:",
        "has no element with id `cots`",
    );
}

#[test]
fn malformed_toml() {
    fails(
        |s| {
            s.edit("content/people/ann.md", "weight = 1", "weight = = 1");
        },
        "content/people/ann.md:4:",
        "invalid front matter",
    );
}

#[test]
fn unknown_front_matter_key_says_did_you_mean() {
    fails(
        |s| {
            s.edit("content/people/ann.md", "description = ", "descripton = ");
        },
        "content/people/ann.md:3:",
        "did you mean `description`?",
    );
}

#[test]
fn unclosed_front_matter() {
    fails(
        |s| {
            s.write("content/people/ann.md", "+++\ntitle = \"Ann\"\n\nBody.\n");
        },
        "content/people/ann.md:1:",
        "never closed",
    );
}

#[test]
fn empty_content_file() {
    fails(
        |s| {
            s.write("content/people/new.md", "");
        },
        "content/people/new.md:1:",
        "the file is empty",
    );
}

#[test]
fn template_syntax_error() {
    fails(
        |s| {
            s.edit(
                "templates/section.html",
                "{% for p in page.pages %}",
                "{% for p in %}",
            );
        },
        "templates/section.html:4:",
        "template",
    );
}

#[test]
fn template_refers_to_a_missing_variable() {
    fails(
        |s| {
            s.edit(
                "templates/base.html",
                "<h1>{{ page.title }}</h1>",
                "<h1>{{ page.titel }}</h1>",
            );
        },
        "templates/base.html:12:",
        "Field `titel` is not defined",
    );
}

#[test]
fn missing_template() {
    fails(
        |s| {
            s.edit(
                "content/compare.md",
                "template = \"compare.html\"",
                "template = \"compair.html\"",
            );
        },
        "content/compare.md:4:",
        "did you mean `compare.html`?",
    );
}

#[test]
fn slug_that_escapes_the_output_folder() {
    fails(
        |s| {
            s.edit(
                "content/people/ann.md",
                "weight = 1",
                "weight = 1\nslug = \"../../escape\"",
            );
        },
        "content/people/ann.md:5:",
        "invalid slug",
    );
}

#[test]
fn invalid_utf8() {
    fails(
        |s| {
            s.write("content/people/ann.md", b"+++\ntitle = \"Ann \xff\"\n+++\n");
        },
        "content/people/ann.md:2:",
        "not valid UTF-8",
    );
}

#[test]
fn schema_value_not_allowed() {
    fails(
        |s| {
            s.edit(
                "content/people/ann.md",
                "role = \"camp member\"",
                "role = \"camp membr\"",
            );
        },
        "content/people/ann.md:9:",
        "did you mean `camp member`?",
    );
}

#[test]
fn symlink_pointing_outside_the_site() {
    fails(
        |s| {
            std::os::unix::fs::symlink("/etc/hostname", s.path().join("static/leak.txt"))
                .expect("symlink");
        },
        "static/leak.txt:1:",
        "symlink points outside the site folder",
    );
}

#[test]
fn a_huge_content_file_is_handled() {
    let site = TestSite::fixture("minimal");
    let body = "Lorem ipsum dolor sit amet. ".repeat(50 * 1024 * 1024 / 28);
    site.write(
        "content/huge.md",
        format!("+++\ntitle = \"Huge\"\n+++\n{body}"),
    );
    site.build().assert_ok();
    assert!(site.page("huge.html").len() > 50 * 1024 * 1024);
}

#[test]
fn refuses_to_write_over_the_site_or_its_sources() {
    let site = TestSite::fixture("minimal");
    let before = snapshot(site.path());
    for out in [".", "content", "templates/x", ".."] {
        let run = site.lede(&["build", "--root", ".", "--output", out]);
        run.assert_failed().assert_stderr_has("refusing");
    }
    assert_eq!(
        before,
        snapshot(site.path()),
        "nothing in the site may change"
    );
}

#[test]
fn refuses_a_folder_lede_did_not_create() {
    let site = TestSite::fixture("minimal");
    site.write("public/notes.txt", "my notes");
    site.build()
        .assert_failed()
        .assert_stderr_has("lede did not create it");
    assert_eq!(site.read("public/notes.txt"), "my notes");
}

#[test]
fn check_reports_every_problem_not_only_the_first() {
    let site = TestSite::fixture("minimal");
    site.edit("content/people/ann.md", "real jobs", "fake jobs");
    site.edit("content/people/ben.md", "ferry first", "bus first");
    site.edit("content/_index.md", "@/report.md", "@/nope.md");
    let run = site.check();
    run.assert_failed()
        .assert_stderr_has("content/people/ann.md:14:")
        .assert_stderr_has("content/people/ben.md:14:")
        .assert_stderr_has("content/_index.md:5:")
        .assert_stderr_has("3 error(s)");
}

#[test]
fn warnings_fail_only_when_denied() {
    let site = TestSite::fixture("minimal");
    site.edit(
        "content/people/ann.md",
        "mentions = [\"Ann Lee\", \"Lee\"]",
        "mentions = [\"Ann Lee\", \"Leigh\"]",
    );
    let run = site.check();
    run.assert_ok();
    assert!(
        run.stderr
            .contains("warning: mention `Leigh` never appears"),
        "{}",
        run.stderr
    );
    site.lede(&["check", "--root", ".", "--deny-warnings"])
        .assert_failed();
}

#[test]
fn a_build_killed_mid_way_leaves_the_previous_site_in_place() {
    let site = TestSite::fixture("minimal");
    site.build().assert_ok();
    let before = snapshot(&site.out());
    // Enough pages that the build is still writing when it is killed.
    for i in 0..3000 {
        site.write(
            &format!("content/bulk/p{i}.md"),
            format!(
                "+++\ntitle = \"Page {i}\"\n+++\n{}",
                "Some words here. ".repeat(200)
            ),
        );
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lede"))
        .args(["build", "--root", ".", "--output", "public"])
        .current_dir(site.path())
        .spawn()
        .expect("spawn lede");
    // Kill it as soon as its hidden work folder appears (or after a bounded wait).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let tmp_exists = || {
        std::fs::read_dir(site.path())
            .expect("site dir")
            .filter_map(Result::ok)
            .any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".public.lede-tmp")
            })
    };
    while !tmp_exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().expect("kill");
    child.wait().expect("wait");
    assert_eq!(
        before,
        snapshot(&site.out()),
        "a killed build must not touch the published site"
    );
    // The next build cleans up the leftovers and publishes.
    site.build().assert_ok();
    assert!(!tmp_exists(), "leftover work folders are removed");
    assert!(site.page("bulk/p2999.html").contains("Page 2999"));
}

#[test]
fn nav_entry_pointing_nowhere() {
    fails(
        |s| {
            s.edit(
                "lede.toml",
                "ref = \"@/compare.md\"",
                "ref = \"@/comparison.md\"",
            );
        },
        "lede.toml:14:",
        "nav entry `Side by side`",
    );
}

#[test]
fn site_extra_reference_is_checked_even_when_no_template_uses_it() {
    fails(
        |s| {
            s.edit(
                "lede.toml",
                "credit = \"The Harbour Gazette\"",
                "credit = \"The Harbour Gazette\"\nlead = \"@/reprot.md\"",
            );
        },
        "lede.toml:18:",
        "@/reprot.md",
    );
}

// ---------------------------------------------------------------------------------------
// Issue 13: "Nothing lost, ever"

/// Item 2: one output file from two sources would be written as a mix of both.
#[test]
fn a_file_in_both_content_and_static() {
    fails(
        |s| {
            s.write("content/style.css", "p { color: red }\n");
        },
        "content/style.css:1:",
        "is in both content/ and static/",
    );
}

/// Item 4: `content/404.md` is the 404 page; the 404 template does not overwrite it.
#[test]
fn content_404_page_is_published() {
    let site = TestSite::fixture("minimal");
    site.write(
        "content/404.md",
        "+++\ntitle = \"Lost?\"\n+++\nThat page is not here. Try the home page.\n",
    );
    site.build().assert_ok();
    let page = site.page("404.html");
    assert!(page.contains("That page is not here"), "{page}");
}

/// Item 6: a file whose name a URL cannot carry as written is refused at the file itself,
/// not blamed on the template that lists it.
#[test]
fn file_names_a_url_cannot_carry() {
    for (name, c) in [
        ("pct%20x", "%"),
        ("a#b", "#"),
        ("why?", "?"),
        ("a:b", ":"),
        ("a\\b", "\\\\"),
    ] {
        let site = TestSite::fixture("minimal");
        site.write(
            &format!("content/people/{name}.md"),
            "+++\ntitle = \"Odd\"\n+++\nText.\n",
        );
        for run in [site.build(), site.check()] {
            run.assert_failed()
                .assert_stderr_has(&format!("content/people/{name}.md:1:"))
                .assert_stderr_has(&format!("has `{c}` in its name"));
            assert!(!run.stderr.contains("section.html"), "{}", run.stderr);
        }
    }
}

/// An apostrophe in a file name is fine: the template escapes it (`it&#39;s.html`) and the
/// link check reads the link as the browser does.
#[test]
fn an_apostrophe_in_a_file_name_is_linked_and_checked() {
    let site = TestSite::fixture("minimal");
    site.write("content/it's.md", "+++\ntitle = \"It's\"\n+++\nText.\n");
    site.build().assert_ok();
    assert!(site.out().join("it's.html").is_file());
    let home = site.page("index.html");
    assert!(home.contains("href=\"it&#39;s.html\""), "{home}");
}

/// Item 6: `<@/with space.md>` is found (the link check decodes `%20`), and works in a browser.
#[test]
fn a_reference_with_a_space_resolves() {
    let site = TestSite::fixture("minimal");
    site.write(
        "content/with space.md",
        "+++\ntitle = \"Spaced\"\n+++\nText.\n",
    );
    site.edit(
        "content/_index.md",
        "Read [the report]",
        "See [spaced](<@/with space.md>). Read [the report]",
    );
    site.build().assert_ok();
    assert!(
        site.page("index.html")
            .contains("href=\"with%20space.html\"")
    );
    assert!(site.page("with space.html").contains("Spaced"));
}

/// Item 8: U+0000 becomes U+FFFD (CommonMark), in bodies and escaped front matter alike.
#[test]
fn nul_bytes_never_reach_the_html() {
    let site = TestSite::fixture("minimal");
    site.write(
        "content/nul.md",
        "+++\ntitle = \"N\\u0000L\"\n+++\nA\u{0}B\n",
    );
    site.build().assert_ok();
    let page = site.page("nul.html");
    assert!(!page.contains('\0'), "a NUL byte reached the page");
    assert!(
        page.contains("A\u{FFFD}B") && page.contains("N\u{FFFD}L"),
        "{page}"
    );
}

/// Item 11: `srcset` and CSS `url(…)` are outside fetches too.
#[test]
fn srcset_fetching_from_another_host() {
    fails(
        |s| {
            s.edit(
                "content/_index.md",
                "Read [the report]",
                "<img src=\"style.css\" alt=\"\" srcset=\"https://cdn.example/a.png 2x\">\n\nRead [the report]",
            );
        },
        "content/_index.md:5:",
        "`https://cdn.example/a.png` would be fetched from another host",
    );
}

#[test]
fn style_attribute_fetching_from_another_host() {
    fails(
        |s| {
            s.edit(
                "content/_index.md",
                "Read [the report]",
                "<p style=\"background: url(https://cdn.example/b.png)\">x</p>\n\nRead [the report]",
            );
        },
        "content/_index.md:5:",
        "`https://cdn.example/b.png` would be fetched from another host",
    );
}

#[test]
fn static_css_fetching_from_another_host() {
    fails(
        |s| {
            s.write(
                "static/style.css",
                "body { margin: 0 }\n@import \"https://fonts.example/f.css\";\n",
            );
        },
        "static/style.css:2:",
        "would be fetched from another host",
    );
}

/// Policy: Markdown is text, not code. Raw `<script>`, embeds, event handlers and
/// `javascript:`/`data:` URLs in content are refused (templates may use them).
#[test]
fn script_in_markdown_is_refused() {
    fails(
        |s| {
            s.edit(
                "content/_index.md",
                "Read [the report]",
                "<script>alert(1)</script>\n\nRead [the report]",
            );
        },
        "content/_index.md:5:",
        "raw HTML `<script>` in Markdown is not allowed",
    );
}

#[test]
fn javascript_and_data_urls_in_markdown_are_refused() {
    for (md, says) in [
        ("[x](javascript:alert(1))", "a `javascript` URL in Markdown"),
        (
            "<a href=\"javascript:alert(1)\">x</a>",
            "a `javascript` URL in raw HTML",
        ),
        (
            "![x](data:image/png;base64,AAAA)",
            "a `data` URL in Markdown",
        ),
        (
            "<img src=\"style.css\" alt=\"\" onerror=\"alert(1)\">",
            "an event handler `onerror=`",
        ),
        ("<iframe src=\"style.css\"></iframe>", "raw HTML `<iframe>`"),
        // A tag over two lines of an HTML block.
        (
            "<div><img src=\"style.css\" alt=\"\"\nonerror=\"alert(1)\"></div>",
            "an event handler `onerror=`",
        ),
        (
            "<div><a href=\n\"javascript:alert(1)\">x</a></div>",
            "a `javascript` URL in raw HTML",
        ),
        // Spelled with character references, in an attribute other than href or src.
        (
            "<button formaction=\"&#106;avascript:alert(1)\">x</button>",
            "a `javascript` URL in raw HTML",
        ),
        (
            "<p><a href=\"&#x6A&#x61vascript&colon;alert(1)\">x</a></p>",
            "a `javascript` URL in raw HTML",
        ),
        (
            "# Heading {#h onclick=alert(1)}",
            "the attribute `onclick` on a heading",
        ),
        (
            "<meta http-equiv=\"refresh\" content=\"0;url=https://example.com\">",
            "raw HTML `<meta>`",
        ),
        ("<base href=\"https://example.com/\">", "raw HTML `<base>`"),
        (
            "<form action=\"https://example.com\"><input></form>",
            "raw HTML `<form>`",
        ),
        ("<svg><a href=\"x\">x</a></svg>", "raw HTML `<svg>`"),
        // A `>` (or `&gt;`) in a quoted value, or no space before the handler.
        (
            "<img title=\">\" src=style.css onerror=\"alert(1)\">",
            "an event handler `onerror=`",
        ),
        (
            "text <img src=style.css title=\"&gt;\" onerror=\"alert(1)\"> more",
            "an event handler `onerror=`",
        ),
        (
            "<p><img src=style.css title=\"a\"onerror=\"alert(1)\"></p>",
            "an event handler `onerror=`",
        ),
        // A control character before the scheme; a reference with many leading zeros.
        (
            "x <a href=\"&#1;javascript:alert(1)\">c</a>",
            "a `javascript` URL in raw HTML",
        ),
        (
            "<a href=\"&#0000000106;avascript:alert(1)\">x</a>",
            "a `javascript` URL in raw HTML",
        ),
    ] {
        let site = TestSite::fixture("minimal");
        site.edit(
            "content/_index.md",
            "Read [the report]",
            &format!("{md}\n\nRead [the report]"),
        );
        for run in [site.build(), site.check()] {
            run.assert_failed()
                .assert_stderr_has("content/_index.md:5:")
                .assert_stderr_has(says);
        }
    }
}

/// Harmless HTML that only looks like a refused element passes: `<meter>` is not `<meta>`.
#[test]
fn look_alike_tags_in_markdown_pass() {
    let site = TestSite::fixture("minimal");
    site.edit(
        "content/_index.md",
        "Read [the report]",
        "<meter value=\"0.5\">half</meter> <linkage>x</linkage>\n\n# Sides {#sides .wide}\n\nRead [the report]",
    );
    site.build().assert_ok();
    assert!(
        site.page("index.html")
            .contains("<h1 id=\"sides\" class=\"wide\">")
    );
}

/// Short Markdown from front matter goes through a template's `markdown` filter, which no
/// content check sees: there raw HTML shows as text, and a code URL keeps only its text.
#[test]
fn markdown_rendered_by_a_template_cannot_hold_code() {
    let site = TestSite::fixture("minimal");
    site.edit(
        "content/compare.md",
        "summary = \"It brings jobs.\"",
        "summary = 'It brings <script>alert(1)</script> [jobs](javascript:alert(2)). <img src=x onerror=alert(3)>'",
    );
    site.build().assert_ok();
    let page = site.page("compare.html");
    assert!(
        page.contains("It brings &lt;script&gt;alert(1)&lt;/script&gt; jobs."),
        "{page}"
    );
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(!page.contains("javascript:"), "{page}");
    assert!(!page.contains("<img src=x"), "{page}");
}

/// Policy: `Foo.md` next to `foo.md` collide on macOS and Windows: refused.
#[test]
fn names_that_differ_only_in_case() {
    fails(
        |s| {
            s.write("content/Report.md", "+++\ntitle = \"R\"\n+++\nText.\n");
        },
        "content/report.md:1:",
        "differ only in case",
    );
}

// ---------------------------------------------------------------------------------------
// Issue 12: publishing

#[test]
fn base_url_that_is_not_an_absolute_http_url() {
    fails(
        |s| {
            s.edit(
                "lede.toml",
                "description = ",
                "base_url = \"example.org/explainers/harbour/\"\ndescription = ",
            );
        },
        "lede.toml:2:",
        "invalid base_url: `example.org/explainers/harbour/` is not an absolute http(s) URL",
    );
}

#[test]
fn base_url_with_another_scheme() {
    fails(
        |s| {
            s.edit(
                "lede.toml",
                "description = ",
                "base_url = \"ftp://example.org/harbour/\"\ndescription = ",
            );
        },
        "lede.toml:2:",
        "invalid base_url",
    );
}

/// Ann's page with one `[[updates]]` entry (lines 7–10; `date` on line 8, `kind` on 9).
fn with_update(s: &TestSite, date: &str, kind: &str) {
    s.edit(
        "content/people/ann.md",
        "\n[extra]\n",
        &format!("\n[[updates]]\ndate = {date}\nkind = \"{kind}\"\nnote = \"An earlier version said otherwise.\"\n\n[extra]\n"),
    );
}

#[test]
fn update_with_a_date_that_is_text() {
    fails(
        |s| with_update(s, "\"last Tuesday\"", "correction"),
        "content/people/ann.md:8:",
        "an update's `date` must be a date",
    );
}

#[test]
fn update_with_an_impossible_date() {
    fails(
        |s| with_update(s, "2026-02-30", "correction"),
        "content/people/ann.md:8:",
        "invalid front matter",
    );
}

#[test]
fn update_with_an_unknown_kind() {
    fails(
        |s| with_update(s, "2026-12-01", "corection"),
        "content/people/ann.md:9:",
        "unknown update kind `corection`",
    );
}

#[test]
fn share_image_font_that_is_missing() {
    fails(
        |s| {
            s.write(
                "templates/theme.toml",
                "# the theme's declaration\n[share_image]\nfont = \"fonts/Gone.ttf\"\n",
            );
        },
        "templates/theme.toml:3:",
        "the share-image font `fonts/Gone.ttf` is not in templates/",
    );
}

#[test]
fn update_note_with_a_broken_link() {
    fails(
        |s| {
            s.edit(
                "content/people/ann.md",
                "\n[extra]\n",
                "\n[[updates]]\ndate = 2026-12-01\nkind = \"update\"\nnote = \"See [the report](@/reprot.md).\"\n\n[extra]\n",
            );
        },
        "content/people/ann.md:10:",
        "update note: broken link",
    );
}

/// A column page named with accented letters: TOML wants its cell key in quotes, and both the
/// parser's error and lede's own hint say how to write it.
#[test]
fn an_accented_column_key_is_shown_quoted() {
    let column = |s: &TestSite| {
        let no = std::fs::read_to_string(s.path().join("content/camps/no.md")).expect("no.md");
        s.remove("content/camps/no.md");
        s.write("content/camps/contre-le-pont-à-péage.md", no);
        s.edit(
            "content/people/ben.md",
            "@/camps/no.md",
            "@/camps/contre-le-pont-à-péage.md",
        );
        s.edit(
            "content/compare.md",
            "\"@/camps/no.md\"]",
            "\"@/camps/contre-le-pont-à-péage.md\"]",
        );
    };
    // Written bare, as for an ASCII name: the parser refuses the key; the hint quotes it.
    fails(
        |s| {
            column(s);
            s.edit(
                "content/compare.md",
                "[compare.rows.cells.no]\nsummary = \"It costs",
                "[compare.rows.cells.contre-le-pont-à-péage]\nsummary = \"It costs",
            );
        },
        "content/compare.md:17:",
        "goes in double quotes",
    );
    // Left out: the hint names the cell to add, quoted so that it parses.
    fails(
        column,
        "content/compare.md:",
        "add [compare.rows.cells.\"contre-le-pont-à-péage\"]",
    );
}

/// An editor's backup of a page (`page.md~`, `page.md.bak`, `#page.md#`) may hold a draft's
/// text: it is never published. A Markdown file not named `.md` is an error, not a copy.
#[test]
fn backups_are_never_published_and_misnamed_markdown_is_an_error() {
    let site = TestSite::fixture("minimal");
    let draft = "+++\ntitle = \"Embargoed\"\ndraft = true\n+++\nEmbargoed text.\n";
    for name in [
        "embargo.md",
        "embargo.md~",
        "embargo.md.bak",
        "#embargo.md#",
        "embargo.md.swp",
    ] {
        site.write(&format!("content/{name}"), draft);
    }
    site.write("templates/base.html~", "{{ broken");
    site.build().assert_ok();
    let published = snapshot(&site.out());
    assert!(
        published
            .keys()
            .all(|p| !p.to_string_lossy().contains("embargo")),
        "{:?}",
        published.keys().collect::<Vec<_>>()
    );
    fails(
        |s| {
            s.write("content/extra.MD", "+++\ntitle = \"E\"\n+++\nText.\n");
        },
        "content/extra.MD:1:",
        "rename it to content/extra.md",
    );
}

/// One mistyped reference is one error, at its line: not again from the schema check, and
/// not from each template that looks the page up ("fix the template" would be wrong).
#[test]
fn a_mistyped_camp_is_one_error_in_the_file_to_fix() {
    let site = TestSite::with_default_theme("market");
    site.edit(
        "content/people/ann.md",
        "camp = \"@/camps/hall.md\"",
        "camp = \"@/camps/hal.md\"",
    );
    let run = site.build();
    run.assert_failed()
        .assert_stderr_has("content/people/ann.md:8:")
        .assert_stderr_has("did you mean `@/camps/hall.md`?")
        .assert_stderr_has("1 error(s)");
    assert!(!run.stderr.contains("templates/"), "{}", run.stderr);
}

/// A file where the output needs a folder (or the other way round) is reported before
/// anything is written, by `check` too, naming both sources; never a raw "File exists".
#[test]
fn an_output_file_where_a_folder_must_be() {
    fails(
        |s| {
            s.write("static/people", "not a folder");
        },
        "static/people:1:",
        "the output `people` (from static/people) is a file, but `people/",
    );
    fails(
        |s| {
            s.write("static/report.html/x.txt", "x");
        },
        "content/report.md:1:",
        "needs a folder by that name",
    );
}

/// A broken relative link is reported where the link stands, not where its text first
/// appears (here the title, `x`).
#[test]
fn a_broken_relative_link_is_placed_at_the_link() {
    fails(
        |s| {
            s.write(
                "content/new.md",
                "+++\ntitle = \"x\"\ndescription = \"d\"\n+++\nSome text.\n\n[a](x)\n",
            );
        },
        "content/new.md:7:5:",
        "`x` points to `x`",
    );
}

/// A link to a draft says it is a draft: the file is there, so "does not exist" would send
/// the journalist looking for a typo.
#[test]
fn a_link_to_a_draft_says_it_is_a_draft() {
    fails(
        |s| {
            s.write(
                "content/embargo.md",
                "+++\ntitle = \"Embargoed\"\ndraft = true\n+++\nText.\n",
            );
            s.edit(
                "content/_index.md",
                "Read [the report]",
                "See [the embargoed page](@/embargo.md). Read [the report]",
            );
        },
        "content/_index.md:",
        "`@/embargo.md` is a draft (`draft = true` in content/embargo.md)",
    );
}

/// A symlink to a missing file is said to point to nothing, not outside the site.
#[cfg(unix)]
#[test]
fn a_dangling_symlink_points_to_nothing() {
    fails(
        |s| {
            std::os::unix::fs::symlink("missing.md", s.path().join("content/gone.md"))
                .expect("symlink");
        },
        "content/gone.md:1:",
        "symlink points to nothing",
    );
}

/// A mistyped cell key is reported at the key, not at its row's topic.
#[test]
fn a_mistyped_cell_key_is_reported_at_the_key() {
    fails(
        |s| {
            s.edit(
                "content/compare.md",
                "[compare.rows.cells.no]\nsummary = \"Fix the ferry first.\"",
                "[compare.rows.cells.noo]\nsummary = \"Fix the ferry first.\"",
            );
        },
        "content/compare.md:27:",
        "has a cell `noo` that is not a column",
    );
}

/// A `lede.toml` that is not UTF-8 says so, not "create lede.toml".
#[test]
fn a_config_that_is_not_utf8_says_so() {
    fails(
        |s| {
            s.write("lede.toml", b"title = \"caf\xe9\"\n".as_slice());
        },
        "lede.toml:1:",
        "not valid UTF-8",
    );
}

/// A named pipe in content/ is named in a warning and never read (a read would block).
#[cfg(unix)]
#[test]
fn a_named_pipe_is_named_and_skipped() {
    let site = TestSite::fixture("minimal");
    let fifo = site.path().join("content/pipe.md");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    site.build()
        .assert_ok()
        .assert_stderr_has("content/pipe.md:1:")
        .assert_stderr_has("not a regular file");
}

/// A comparison page that names no template renders through `compare.html`: forgetting
/// `template = "compare.html"` is not an error somewhere else.
#[test]
fn a_comparison_without_a_template_renders_as_one() {
    let site = TestSite::fixture("minimal");
    site.edit("content/compare.md", "template = \"compare.html\"\n", "");
    site.build().assert_ok();
    let explicit = TestSite::fixture("minimal");
    explicit.build().assert_ok();
    assert_eq!(site.page("compare.html"), explicit.page("compare.html"));
}
