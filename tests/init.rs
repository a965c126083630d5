//! `lede init`: a site from an article saved as text, that builds at once; the quotation
//! finder on the shared article; refusals of bad folders and bad sources.

mod common;

use std::path::PathBuf;

use common::{TestSite, repo_root};

/// The shared article, beside the repository (as in CI).
fn shared_article() -> PathBuf {
    let path = repo_root().join("../shared/source/article.txt");
    assert!(
        path.is_file(),
        "{} is missing: the shared/ folder must sit beside the repository",
        path.display()
    );
    path
}

/// Runs `lede init site --source <source>` in a fresh folder.
fn init(source: &std::path::Path, extra: &[&str]) -> (TestSite, common::Run) {
    let site = TestSite::empty();
    let source = source.to_string_lossy().into_owned();
    let mut args = vec!["init", "site", "--source", &source];
    args.extend_from_slice(extra);
    let run = site.lede(&args);
    (site, run)
}

fn build(site: &TestSite) -> common::Run {
    site.lede(&["build", "--root", "site", "--output", "site/public"])
}

/// Each figure file's title and `[[quotes]]` texts, drafts included.
fn figures(site: &TestSite) -> Vec<(String, bool, String, Vec<String>)> {
    let dir = site.path().join("site/content/figures");
    let mut out = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("figures folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| !p.ends_with("_index.md"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("read figure");
        let toml_text = text.split("+++").nth(1).expect("front matter");
        let fm: toml::Table = toml::from_str(toml_text).expect("figure front matter is TOML");
        let quotes = fm
            .get("quotes")
            .and_then(|q| q.as_array())
            .map(|a| {
                a.iter()
                    .map(|q| q["text"].as_str().expect("text").to_string())
                    .collect()
            })
            .unwrap_or_default();
        let described = fm["extra"]["described_as"]
            .as_str()
            .expect("described_as")
            .to_string();
        out.push((
            fm["title"].as_str().expect("title").to_string(),
            fm.get("draft").and_then(|d| d.as_bool()) == Some(true),
            described,
            quotes,
        ));
    }
    out
}

#[test]
fn the_shared_article_gives_six_quotations_with_the_right_speakers_and_a_site_that_builds() {
    let article = shared_article();
    let (site, run) = init(&article, &[]);
    run.assert_ok();
    assert!(
        run.stdout
            .contains("6 quotation(s) found, 6 attributed, 0 unattributed"),
        "{}",
        run.stdout
    );
    build(&site).assert_ok();

    // The article's paragraphs are one per line; the site's are blank-line separated.
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let source = squash(&std::fs::read_to_string(&article).expect("article"));
    let by_speaker: Vec<(String, Vec<String>)> = figures(&site)
        .into_iter()
        .map(|(name, draft, described, quotes)| {
            assert!(
                draft,
                "{name}: a proposal must stay a draft until confirmed"
            );
            assert!(
                source.contains(&described),
                "{name}: described_as `{described}` must be the article's words"
            );
            for q in &quotes {
                assert!(source.contains(&squash(q)), "{name}: not verbatim: {q}");
            }
            (name, quotes)
        })
        .collect();
    let starts = |quotes: &[String]| -> Vec<String> {
        quotes
            .iter()
            .map(|q| q.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .collect()
    };
    let got: Vec<(String, Vec<String>)> = by_speaker
        .iter()
        .map(|(n, q)| (n.clone(), starts(q)))
        .collect();
    let want = |n: &str, q: &[&str]| (n.to_string(), q.iter().map(|s| s.to_string()).collect());
    assert_eq!(
        got,
        [
            want("Ali Akbar Velayati", &["Pan-Turkist circles"]),
            want("Masoud Pezeshkian", &["Azerbaijanis are our"]),
            want(
                "Mikhail Borodkin",
                &["The hardline rhetoric", "Overall, Iran today"]
            ),
            want("Rasim Musabayov", &["Shiism is a", "This is the"]),
        ]
    );
    // Borodkin's first quotation spans two paragraphs; Pezeshkian's holds a nested quotation.
    let borodkin = &by_speaker[2].1[0];
    assert!(borodkin.contains("and more.\n\nHowever, on the international stage"));
    assert!(borodkin.ends_with("use it to its own advantage"));
    assert!(by_speaker[1].1[0].contains("‘What is my mistake"));
    let described: Vec<String> = figures(&site).into_iter().map(|f| f.2).collect();
    assert_eq!(
        described,
        [
            "senior adviser to Iran’s Supreme Leader",
            "the newly elected President of the Islamic Republic",
            "Israeli Iran expert and journalist",
            "a member of the Azerbaijani parliament and political analyst",
        ]
    );
}

#[test]
fn confirming_every_proposal_still_builds_and_publishes_the_figures() {
    let (site, run) = init(&shared_article(), &[]);
    run.assert_ok();
    let before = build(&site);
    before.assert_ok();
    assert!(
        !site
            .path()
            .join("site/public/figures/masoud-pezeshkian.html")
            .exists()
    );
    for entry in std::fs::read_dir(site.path().join("site/content/figures")).expect("figures") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, text.replace("draft = true\n", "")).expect("write");
    }
    build(&site).assert_ok();
    let page = std::fs::read_to_string(
        site.path()
            .join("site/public/figures/masoud-pezeshkian.html"),
    )
    .expect("confirmed figure page is published");
    assert!(page.contains("Azerbaijanis are our kin"));
}

#[test]
fn the_site_has_the_theme_config_and_sections() {
    let (site, run) = init(&shared_article(), &["--title", "My own headline"]);
    run.assert_ok();
    for rel in [
        "lede.toml",
        "content/_index.md",
        "content/article.md",
        "content/compare.md",
        "content/figures/_index.md",
        "content/camps/_index.md",
        "content/glossary/_index.md",
    ] {
        assert!(site.path().join("site").join(rel).is_file(), "{rel}");
    }
    for (rel, bytes) in walk(&repo_root().join("templates"))
        .into_iter()
        .chain(walk(&repo_root().join("static")))
    {
        let copied = std::fs::read(site.path().join("site").join(&rel)).expect("theme file");
        assert_eq!(copied, bytes, "{rel} is the repository's own");
    }
    let config = site.read("site/lede.toml");
    for key in [
        "source_credit",
        "compare",
        "figures",
        "camps",
        "glossary",
        "role_headings",
    ] {
        assert!(
            config.contains(&format!("\n{key} =")) || config.contains(&format!("[extra.{key}]")),
            "{key}"
        );
    }
    let article = site.read("site/content/article.md");
    assert!(article.contains("title = \"My own headline\""));
    assert!(article.contains("source = true"));
    // With --title, the file's first line stays in the body.
    assert!(article.contains("+++\nIran’s view of Azerbaijan: Between regression and progress"));
}

fn walk(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let root = repo_root();
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(&root)
                .expect("inside")
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(e.path()).expect("read"))
        })
        .collect()
}

#[test]
fn a_non_empty_folder_is_refused_and_force_never_overwrites() {
    let site = TestSite::empty();
    site.write("source.txt", "Headline\n“Hello,” Jane Doe said.\n");
    site.write("site/content/article.md", "mine\n");
    let run = site.lede(&["init", "site", "--source", "source.txt"]);
    run.assert_failed()
        .assert_stderr_has("is not empty")
        .assert_stderr_has("--force");
    assert!(
        !site.path().join("site/lede.toml").exists(),
        "nothing written"
    );

    let run = site.lede(&["init", "site", "--source", "source.txt", "--force"]);
    run.assert_ok();
    assert_eq!(
        site.read("site/content/article.md"),
        "mine\n",
        "never overwritten"
    );
    assert!(
        run.stdout.contains("kept 1 that already existed"),
        "{}",
        run.stdout
    );
    assert!(
        site.path().join("site/lede.toml").is_file(),
        "missing files filled in"
    );
    assert!(
        site.path()
            .join("site/content/figures/jane-doe.md")
            .is_file()
    );
    // No description in the text: `described_as` is left empty for the editor, never made up.
    let figure = site.read("site/content/figures/jane-doe.md");
    assert!(
        figure.contains("the finder found no description"),
        "{figure}"
    );
    assert!(figure.contains("\ndescribed_as = \"\"\n"), "{figure}");
    assert!(figure.contains("draft = true"), "{figure}");
}

#[test]
fn bad_sources_are_refused_with_the_path_and_what_to_do() {
    let cases: [(&str, &[u8], &str); 4] = [
        ("empty.txt", b"", "empty.txt is empty"),
        (
            "blank.txt",
            b"  \n\n",
            "blank.txt is empty (only whitespace)",
        ),
        (
            "doc.pdf",
            b"%PDF-1.4\n\0\x01\x02",
            "doc.pdf is not a text file (it contains NUL bytes",
        ),
        (
            "latin1.txt",
            b"Headline\nCaf\xe9 society",
            "latin1.txt is not UTF-8 text (invalid byte 0xE9 on line 2",
        ),
    ];
    for (name, bytes, says) in cases {
        let site = TestSite::empty();
        site.write(name, bytes);
        let run = site.lede(&["init", "site", "--source", name]);
        run.assert_failed().assert_stderr_has(says);
        assert!(
            !site.path().join("site").exists(),
            "{name}: no site left behind"
        );
    }
    let site = TestSite::empty();
    site.lede(&["init", "site", "--source", "missing.txt"])
        .assert_failed()
        .assert_stderr_has("cannot read the source text missing.txt");
}

#[test]
fn a_source_without_quotations_still_builds_and_says_so() {
    let site = TestSite::empty();
    site.write(
        "plain.txt",
        "Council meets on Monday\nThe council meets on Monday to discuss the harbour.\nNo one has said anything yet.\n",
    );
    let run = site.lede(&["init", "site", "--source", "plain.txt"]);
    run.assert_ok();
    assert!(
        run.stdout
            .contains("0 quotation(s) found, 0 attributed, 0 unattributed"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("No quotation marks"), "{}", run.stdout);
    build(&site).assert_ok();
}

#[test]
fn unattributed_quotations_are_reported_with_their_line() {
    let site = TestSite::empty();
    site.write(
        "sign.txt",
        "Ferry stops\nThe sign on the pier read “Closed for the winter” in red letters.\n",
    );
    let run = site.lede(&["init", "site", "--source", "sign.txt"]);
    run.assert_ok();
    assert!(
        run.stdout
            .contains("1 quotation(s) found, 0 attributed, 1 unattributed"),
        "{}",
        run.stdout
    );
    let article = site.read("site/content/article.md");
    let line = article
        .lines()
        .position(|l| l.contains("“Closed"))
        .expect("quotation in the article")
        + 1;
    let at = format!("site/content/article.md:{line}: “Closed for the winter”");
    assert!(
        run.stdout.contains(&at),
        "expected `{at}` in:\n{}",
        run.stdout
    );
    assert!(run.stdout.contains("speaker: none found"), "{}", run.stdout);
    build(&site).assert_ok();
}
