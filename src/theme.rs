//! The theme's declaration, `templates/theme.toml`: the interface strings the templates show
//! (every word that is not content), with the theme's defaults. A site overrides or
//! translates them in `lede.toml` under `[strings]`; a key the theme does not declare is an
//! error with a "did you mean", so a misspelt override is never silently ignored.
//!
//! Strings may hold `{name}` placeholders, filled in by the engine (attribution labels) or by
//! templates through `t(key="…", name=…)`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::config::{CONFIG_FILE, Config};
use crate::diagnostics::{Diagnostic, Diagnostics, line_col};
use crate::frontmatter::{FieldRule, toml_error};
use crate::load::{TEMPLATES_DIR, TextFile};

/// The theme declaration's file name, inside `templates/`.
pub const THEME_FILE: &str = "theme.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    strings: BTreeMap<String, String>,
    #[serde(default)]
    config: Fields,
    #[serde(default)]
    pages: BTreeMap<String, Fields>,
    /// How the theme draws share images: the font file, under `templates/`.
    share_image: Option<ShareImageDecl>,
}

/// Rules for the `[extra]` keys of one kind of file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    #[serde(default)]
    pub extra: BTreeMap<String, FieldRule>,
}

/// What the theme needs from a site: rules for `lede.toml`'s `[extra]`, and for the `[extra]`
/// of the pages each template renders.
#[derive(Debug, Clone, Default)]
pub struct Contract {
    pub config: Fields,
    pub pages: BTreeMap<String, Fields>,
}

/// The theme's declaration, read once: its strings (with the site's overrides), its contract,
/// and the font it declares for share images.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub strings: Strings,
    pub contract: Contract,
    pub share_font: Option<ShareFont>,
}

/// The share-image font the theme declares: its path under `templates/` and the line of
/// `theme.toml` that names it.
pub type ShareFont = (String, usize);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShareImageDecl {
    font: String,
}

/// Interface strings, the theme's defaults with the site's overrides applied.
#[derive(Debug, Clone, Default)]
pub struct Strings(BTreeMap<String, String>);

impl Strings {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// The string for `key` with each `{name}` replaced by its value ("" for a missing key,
    /// which [`merge`] and the template function report).
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        fill(self.get(key).unwrap_or_default(), values)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }
}

/// Replaces each `{name}` in `text` by its value, in one pass (a value is never re-scanned).
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let found = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (close, *v))
        });
        match found {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The theme's rules for the `[extra]` of the pages `template` renders, read from the site's
/// `templates/theme.toml` (none when it is missing or does not parse: `lede check` reports
/// that). For `lede new`, which writes those keys into a new page.
pub fn page_rules(root: &std::path::Path, template: &str) -> BTreeMap<String, FieldRule> {
    let path = root.join(crate::load::TEMPLATES_DIR).join(THEME_FILE);
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| toml::from_str::<ThemeFile>(&text).ok())
        .and_then(|mut file| file.pages.remove(template))
        .map(|fields| fields.extra)
        .unwrap_or_default()
}

/// Reads the theme's declaration and applies `lede.toml`'s `[strings]`; an override of a key
/// the theme does not declare is reported at its line in `lede.toml`.
pub fn load(templates: &[TextFile], config: &Config, diags: &mut Diagnostics) -> Theme {
    let text = templates.iter().find(|t| t.rel == THEME_FILE);
    let file = text.map_or_else(ThemeFile::default, |t| parse(t, diags));
    let share_font = file.share_image.map(|s| {
        let line = text.map_or(1, |t| crate::diagnostics::line_of(&t.text, &s.font));
        (s.font, line)
    });
    Theme {
        strings: merge(file.strings, config, diags),
        contract: Contract {
            config: file.config,
            pages: file.pages,
        },
        share_font,
    }
}

fn merge(
    mut strings: BTreeMap<String, String>,
    config: &Config,
    diags: &mut Diagnostics,
) -> Strings {
    for (key, value) in &config.strings {
        if strings.contains_key(key) || strings.is_empty() {
            strings.insert(key.clone(), value.clone());
            continue;
        }
        let d = Diagnostic::error(
            CONFIG_FILE,
            config.line_of(key),
            format!("[strings] `{key}` is not a string the theme uses"),
        )
        .with_hint(format!(
            "the theme's strings are listed in {TEMPLATES_DIR}/{THEME_FILE}"
        ));
        diags.push(d.suggest(key, strings.keys().map(String::as_str)));
    }
    Strings(strings)
}

fn parse(file: &TextFile, diags: &mut Diagnostics) -> ThemeFile {
    toml::from_str(&file.text).unwrap_or_else(|e| {
        let (line, col) = line_col(&file.text, e.span().map_or(0, |s| s.start));
        let shown = file.shown.to_string_lossy();
        diags.push(toml_error(&shown, line, col, e.message()));
        ThemeFile::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_once_and_unknown_ones_stay() {
        assert_eq!(
            fill(
                "{via}, on {speaker} {x}",
                &[("via", "{speaker}"), ("speaker", "B")]
            ),
            "{speaker}, on B {x}"
        );
        assert_eq!(fill("no { close", &[]), "no { close");
    }
}
