//! A site in another language: `tests/fixtures/markthalle` is German, with every interface
//! string of the default theme translated in `lede.toml` `[strings]`. Its pages must hold no
//! English interface string: the rendered text is compared with the theme's English table.

mod common;

use common::{TestSite, repo_root, snapshot};

/// The English strings table of the default theme.
fn english() -> Vec<(String, String)> {
    let theme: toml::Table = std::fs::read_to_string(repo_root().join("templates/theme.toml"))
        .expect("theme.toml")
        .parse()
        .expect("TOML");
    theme["strings"]
        .as_table()
        .expect("[strings]")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string").to_string()))
        .collect()
}

/// Text and attribute values of a page, tags removed, entities decoded.
fn readable(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let gt = lt + rest[lt..].find('>').expect("tag closes");
        // Attribute values people meet: labels, alternatives, titles, descriptions.
        for attr in ["aria-label=\"", "alt=\"", "title=\"", "content=\""] {
            if let Some(at) = rest[lt..gt].find(attr) {
                let v = &rest[lt + at + attr.len()..gt];
                out.push(' ');
                out.push_str(&v[..v.find('"').unwrap_or(v.len())]);
            }
        }
        out.push(' ');
        rest = &rest[gt + 1..];
    }
    out.push_str(rest);
    out.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The pieces of an English string between its `{placeholders}`, long enough to be telling.
fn fragments(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = value;
    loop {
        let end = rest.find('{').unwrap_or(rest.len());
        let piece = rest[..end].trim_matches(|c: char| !c.is_alphanumeric());
        if piece.chars().filter(|c| c.is_alphabetic()).count() >= 4 {
            out.push(piece.to_string());
        }
        match rest[end..].find('}') {
            Some(close) => rest = &rest[end + close + 1..],
            None => break,
        }
    }
    out
}

fn whole_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[test]
fn a_german_site_has_no_english_interface_string_left() {
    let site = TestSite::with_default_theme("markthalle");
    site.build().assert_ok();
    let strings = english();
    assert!(strings.len() > 60, "the theme's table");
    let mut checked = 0;
    for (path, bytes) in snapshot(&site.out()) {
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let text = readable(&String::from_utf8_lossy(&bytes));
        for (key, value) in &strings {
            // Month names are shared by many languages ("September").
            if key == "months" {
                continue;
            }
            for piece in fragments(value) {
                assert!(
                    !whole_word(&text, &piece),
                    "{path:?}: English `{key}` (“{piece}”) left in the German site"
                );
                checked += 1;
            }
        }
        assert!(text.contains("Quelle"), "{path:?} is in German");
    }
    assert!(checked > 500, "only {checked} checks");
    let report = site.page("bericht.html");
    assert!(
        report.contains(">30. September 2024</time>"),
        "dates in the site's language"
    );
    assert!(report.contains("lang=\"de\""));
    assert!(
        report.contains(
            "Bernd Ortmann</a> über <a href=\"leute/anna.html#q-lebensader\">Anna Lehmann</a>"
        ),
        "labels in German"
    );
}

#[test]
fn an_unknown_string_override_is_an_error_with_did_you_mean() {
    let site = TestSite::with_default_theme("markthalle");
    site.edit("lede.toml", "our_note = ", "our_nte = ");
    site.check()
        .assert_failed()
        .assert_stderr_has("lede.toml:")
        .assert_stderr_has("`our_nte` is not a string the theme uses")
        .assert_stderr_has("did you mean `our_note`?");
}

/// French typesetting puts a space, often a narrow no-break one, inside « »: a quotation set
/// that way is still a quotation, its words found and verified without the spaces.
#[test]
fn french_guillemets_with_spaces_hold_quotations() {
    let site = TestSite::fixture("minimal");
    site.edit(
        "content/report.md",
        "“It will bring jobs—real jobs—to the harbour,” Lee said.",
        "«\u{202f}It will bring jobs—real jobs—to the harbour\u{202f}», a dit Lee.",
    );
    site.edit(
        "content/people/ann.md",
        "text = \"It will bring jobs—real jobs—to the harbour,\"",
        "text = \"It will bring jobs—real jobs—to the harbour\"",
    );
    site.build().assert_ok();
    let page = site.page("people/ann.html");
    assert!(
        page.contains("It will bring jobs—real jobs—to the harbour"),
        "the quote is shown: {page}"
    );
}
