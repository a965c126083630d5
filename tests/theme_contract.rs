//! The default theme declares what it reads (`templates/theme.toml`): `lede check` checks a
//! site against it before rendering, the declaration covers every `extra` key the templates
//! read, and the README documents every one.

mod common;

use std::collections::BTreeSet;

use common::{TestSite, repo_root};

fn theme() -> toml::Table {
    std::fs::read_to_string(repo_root().join("templates/theme.toml"))
        .expect("templates/theme.toml")
        .parse()
        .expect("theme.toml is TOML")
}

/// Every `<name>.extra.<key>` the templates read.
fn keys_read_by_templates() -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for entry in std::fs::read_dir(repo_root().join("templates")).expect("templates") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("template");
        for (at, _) in text.match_indices(".extra.") {
            let key: String = text[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            keys.insert(key);
        }
    }
    keys
}

fn declared_keys(theme: &toml::Table) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let config = theme["config"]["extra"].as_table().expect("[config.extra]");
    keys.extend(config.keys().cloned());
    for fields in theme["pages"].as_table().expect("[pages]").values() {
        keys.extend(fields["extra"].as_table().expect("extra").keys().cloned());
    }
    keys
}

#[test]
fn the_declaration_covers_every_extra_key_the_templates_read() {
    let declared = declared_keys(&theme());
    let read = keys_read_by_templates();
    assert!(read.len() >= 8, "templates read {read:?}");
    let missing: Vec<_> = read.difference(&declared).collect();
    assert!(
        missing.is_empty(),
        "read by templates but not declared in theme.toml: {missing:?}"
    );
}

#[test]
fn the_readme_documents_every_declared_key() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README");
    for key in declared_keys(&theme()) {
        assert!(
            readme.contains(&format!("`{key}`")),
            "README does not document `{key}`"
        );
    }
}

#[test]
fn a_missing_required_key_is_reported_once_at_lede_toml_with_the_line_to_add() {
    let site = TestSite::with_default_theme("market");
    site.edit(
        "templates/theme.toml",
        "[config.extra.source_credit]\n",
        "[config.extra.source_credit]\nrequired = true\n",
    );
    site.edit(
        "lede.toml",
        "source_credit = \"A report in the Riverside Courier\"\n",
        "",
    );
    let run = site.check();
    run.assert_failed()
        .assert_stderr_has("lede.toml:18:")
        .assert_stderr_has("missing required [extra] key `source_credit`")
        .assert_stderr_has("source_credit = \"Expert opinions published by the Daily Example\"");
    assert_eq!(
        run.stderr.matches("source_credit").count(),
        2,
        "reported once:\n{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("templates/base.html"),
        "never in a template:\n{}",
        run.stderr
    );
}

#[test]
fn a_key_of_the_wrong_type_is_reported_at_its_line() {
    let site = TestSite::with_default_theme("market");
    site.edit(
        "lede.toml",
        "[extra]\n",
        "[extra]\nrole_headings = \"Camp members\"\n",
    );
    site.check()
        .assert_failed()
        .assert_stderr_has("lede.toml:19:")
        .assert_stderr_has("[extra] `role_headings` must be a table");
}

#[test]
fn a_page_field_the_template_reads_is_checked_on_the_page() {
    let site = TestSite::with_default_theme("market");
    site.edit(
        "content/people/cara.md",
        "described_as = \"a trader\"",
        "described_as = \"a fishmonger\"",
    );
    site.check()
        .assert_failed()
        .assert_stderr_has("content/people/cara.md:10:")
        .assert_stderr_has("must stand word for word");
}
