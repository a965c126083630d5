//! The site config, `lede.toml` at the site root: site-wide settings only.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, line_col};
use crate::frontmatter::toml_error_in;

pub const CONFIG_FILE: &str = "lede.toml";

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_language")]
    pub language: String,
    /// Where the site is published (absolute http(s) URL); turns on the publishing emitters
    /// that need absolute URLs. Checked by `base_url::resolve`.
    pub base_url: Option<String>,
    /// Site navigation, in order; each entry references a page.
    #[serde(default)]
    pub nav: Vec<NavEntry>,
    #[serde(default)]
    pub extra: toml::Table,
    /// Overrides of the theme's interface strings (see `templates/theme.toml`).
    #[serde(default)]
    pub strings: std::collections::BTreeMap<String, String>,
    /// The file's text, to point errors found later (a broken `ref`) at their line.
    #[serde(skip)]
    text: String,
}

impl Config {
    /// Line of the key at `path` (`["extra", "credit"]`) in `lede.toml`, from the parser's
    /// spans (1 if absent).
    pub fn key_line(&self, path: &[&str]) -> usize {
        crate::frontmatter::key_offset(&self.text, path).map_or(1, |at| line_col(&self.text, at).0)
    }

    /// Line of the first key named `needle` or string value equal to it in `lede.toml`
    /// (the parser's spans), else of its first occurrence in the text (1 if absent).
    pub fn line_of(&self, needle: &str) -> usize {
        let plain = needle.trim_matches('"');
        crate::frontmatter::offset_of(&self.text, plain).map_or_else(
            || crate::diagnostics::line_of(&self.text, needle),
            |at| line_col(&self.text, at).0,
        )
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NavEntry {
    pub title: String,
    #[serde(rename = "ref")]
    pub target: String,
}

fn default_language() -> String {
    "en".into()
}

/// Reads `lede.toml` from the site root.
pub fn load(root: &Path) -> Result<Config, Diagnostic> {
    let path = root.join(CONFIG_FILE);
    let bytes = std::fs::read(&path).map_err(|e| {
        Diagnostic::error(CONFIG_FILE, 1, format!("cannot read the site config: {e}")).with_hint(
            format!(
                "create {CONFIG_FILE} at the site root with at least `title = \"…\"`, or pass --root to point at the site"
            ),
        )
    })?;
    // Checked like every other source file: not UTF-8 is said so, at its line.
    let text = crate::load::utf8(Path::new(CONFIG_FILE), bytes)?;
    parse(&text)
}

pub fn parse(text: &str) -> Result<Config, Diagnostic> {
    let mut config: Config = toml::from_str(text).map_err(|e| {
        let (line, col) = line_col(text, e.span().map_or(0, |s| s.start));
        toml_error_in("site config", CONFIG_FILE, line, col, e.message())
    })?;
    config.text = text.to_string();
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_language() {
        let c = parse("title = \"T\"").unwrap();
        assert_eq!(c.language, "en");
    }

    #[test]
    fn unknown_key_is_an_error_with_suggestion() {
        let d = parse("title = \"T\"\nlanguge = \"fr\"").unwrap_err();
        assert_eq!(d.line, 2);
        assert!(d.hint.unwrap().contains("`language`"));
    }
}
