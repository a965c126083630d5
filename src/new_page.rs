//! `lede new figure|camp|term NAME`: a new page in its section, with every field the
//! section's `[schema]` asks for, each explained in a comment.
//!
//! The page starts as a draft, so a half-filled page never breaks the build; it never
//! replaces an existing file.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::frontmatter::{self, FieldRule};
use crate::init::pages::toml_str;

/// The kinds of page `lede new` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Figure,
    Camp,
    Term,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Figure => "figure",
            Kind::Camp => "camp",
            Kind::Term => "term",
        }
    }

    /// The `lede.toml [extra]` key that names its section, and the folder used without one.
    fn section_key(self) -> (&'static str, &'static str) {
        match self {
            Kind::Figure => ("figures", "figures"),
            Kind::Camp => ("camps", "camps"),
            Kind::Term => ("glossary", "glossary"),
        }
    }
}

/// Writes the page; returns its path.
pub fn run(root: &Path, kind: Kind, name: &str) -> anyhow::Result<PathBuf> {
    let slug = crate::slug::file_slug(name)
        .map_err(|why| anyhow::anyhow!("cannot make a file name from {name:?}: {why}"))?;
    let folder = section_folder(root, kind);
    let index = root.join("content").join(&folder).join("_index.md");
    let section = read_section(&index, kind)?;
    let template = section.page_template.unwrap_or_else(|| "page.html".into());
    let schema = combine(crate::theme::page_rules(root, &template), section.schema);
    let path = root
        .join("content")
        .join(&folder)
        .join(format!("{slug}.md"));
    let text = page_text(kind, name.trim(), &folder, &schema);
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => bail!(
            "{} already exists: edit it, or give another name (lede new never overwrites a page)",
            path.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
    };
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// The section's folder under `content/`: from `lede.toml [extra]` (`figures =
/// "@/people/_index.md"`) when it says, else the usual one.
fn section_folder(root: &Path, kind: Kind) -> String {
    let (key, default) = kind.section_key();
    let config = std::fs::read_to_string(root.join(crate::config::CONFIG_FILE))
        .ok()
        .and_then(|t| toml::from_str::<toml::Table>(&t).ok());
    config
        .as_ref()
        .and_then(|c| c.get("extra")?.get(key)?.as_str())
        .and_then(|r| r.strip_prefix("@/")?.strip_suffix("/_index.md"))
        .unwrap_or(default)
        .to_string()
}

/// The rules both the theme (for the section's page template) and the section's `[schema]`
/// set, a key at a time: `lede check` enforces both, so the new page explains both.
fn combine(
    theme: BTreeMap<String, FieldRule>,
    section: BTreeMap<String, FieldRule>,
) -> BTreeMap<String, FieldRule> {
    let mut out = theme;
    for (key, s) in section {
        let rule = match out.remove(&key) {
            None => s,
            Some(t) => FieldRule {
                required: t.required || s.required,
                one_of: if s.one_of.is_empty() {
                    t.one_of
                } else {
                    s.one_of
                },
                ref_section: s.ref_section.or(t.ref_section),
                verbatim: t.verbatim || s.verbatim,
                value_type: s.value_type.or(t.value_type),
                doc: if s.doc.is_empty() { t.doc } else { s.doc },
                example: if s.example.is_empty() {
                    t.example
                } else {
                    s.example
                },
            },
        };
        out.insert(key, rule);
    }
    out
}

/// The section page's front matter, which says what its pages need.
fn read_section(index: &Path, kind: Kind) -> anyhow::Result<frontmatter::FrontMatter> {
    let text = std::fs::read_to_string(index).with_context(|| {
        format!(
            "cannot read {}: a {} page goes in that section, so create it first (`lede init` writes one), \
             or pass --root to point at the site",
            index.display(),
            kind.name()
        )
    })?;
    let shown = index.display().to_string();
    let split = frontmatter::split(&text)
        .map_err(|(line, msg, hint)| anyhow::anyhow!("{shown}:{line}: {msg}\n  hint: {hint}"))?;
    frontmatter::parse(&shown, &text, &split).map_err(|d| anyhow::anyhow!("{d}"))
}

fn page_text(kind: Kind, name: &str, folder: &str, schema: &BTreeMap<String, FieldRule>) -> String {
    let mut out = format!(
        "+++\n# A new {kind} page, written by `lede new {kind}`. Fill in every field, then delete\n\
         # `draft = true`: a draft is left out of the build, so a half-filled page never breaks it.\n\
         draft = true\ntitle = {title}\n\
         # One sentence about it, in your own words.\ndescription = \"\"\n\
         # Names or terms whose first use in the article links to this page.\nmentions = [{title}]\n",
        kind = kind.name(),
        title = toml_str(name)
    );
    if !schema.is_empty() {
        out.push_str(&format!(
            "\n# Fields that content/{folder}/_index.md ([schema]) and the theme\n\
             # (templates/theme.toml) ask for.\n[extra]\n"
        ));
        for (key, rule) in schema {
            out.push_str(&field(key, rule));
        }
    }
    if kind == Kind::Figure {
        out.push_str(
            "\n# What they say in the article, each copied word for word:\n\
             # [[quotes]]\n# id = \"a-short-id\"\n# text = \"…\"\n",
        );
    }
    out.push_str("+++\n");
    out
}

fn example_or(rule: &FieldRule, fallback: &str) -> String {
    if rule.example.is_empty() {
        fallback.to_string()
    } else {
        rule.example.clone()
    }
}

/// One `[extra]` key: a comment saying what it must hold, then the key (commented out when
/// it is optional).
fn field(key: &str, rule: &FieldRule) -> String {
    let mut what = Vec::new();
    if !rule.doc.is_empty() {
        what.push(rule.doc.clone());
    }
    if !rule.one_of.is_empty() {
        let values: Vec<String> = rule.one_of.iter().map(|v| toml_str(v)).collect();
        what.push(format!("one of {}", values.join(", ")));
    }
    match rule.ref_section.as_deref().map(|f| f.trim_matches('/')) {
        None => {}
        Some(frontmatter::ANY_PAGE) => what.push(format!(
            "a reference to a page or one of its quotes, like {}",
            example_or(rule, "\"@/article.md#quote-id\"")
        )),
        Some(folder) => what.push(format!(
            "a reference to a page in content/{folder}/, like {}",
            example_or(rule, &format!("\"@/{folder}/name.md\""))
        )),
    }
    if rule.verbatim {
        what.push("copied word for word from the article".into());
    }
    if what.is_empty() {
        what.push("free text".into());
    }
    let need = if rule.required {
        "required"
    } else {
        "optional"
    };
    let comment = if rule.required { "" } else { "# " };
    format!(
        "# {key} ({need}): {}\n{comment}{key} = \"\"\n",
        what.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_field_is_explained() {
        let mut schema = BTreeMap::new();
        schema.insert(
            "role".to_string(),
            FieldRule {
                required: true,
                one_of: vec!["a".into(), "b".into()],
                ..FieldRule::default()
            },
        );
        schema.insert(
            "camp".to_string(),
            FieldRule {
                ref_section: Some("camps".into()),
                ..FieldRule::default()
            },
        );
        let text = page_text(Kind::Figure, "Jane Doe", "figures", &schema);
        assert!(
            text.contains("# role (required): one of \"a\", \"b\"\nrole = \"\"\n"),
            "{text}"
        );
        assert!(
            text.contains("# camp (optional): a reference to a page in content/camps/"),
            "{text}"
        );
        assert!(text.contains("\n# camp = \"\"\n"), "{text}");
        let parsed = frontmatter::split(&text).unwrap();
        let fm = frontmatter::parse("x.md", &text, &parsed).unwrap();
        assert!(fm.draft);
        assert_eq!(fm.title, "Jane Doe");
    }
}
