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
    let schema = read_schema(&index, kind)?;
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

fn read_schema(index: &Path, kind: Kind) -> anyhow::Result<BTreeMap<String, FieldRule>> {
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
    let fm = frontmatter::parse(&shown, &text, &split).map_err(|d| anyhow::anyhow!("{d}"))?;
    Ok(fm.schema)
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
            "\n# Fields that content/{folder}/_index.md asks for ([schema]).\n[extra]\n"
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

/// One `[extra]` key: a comment saying what it must hold, then the key (commented out when
/// it is optional).
fn field(key: &str, rule: &FieldRule) -> String {
    let mut what = Vec::new();
    if !rule.one_of.is_empty() {
        let values: Vec<String> = rule.one_of.iter().map(|v| toml_str(v)).collect();
        what.push(format!("one of {}", values.join(", ")));
    }
    if let Some(folder) = &rule.ref_section {
        let folder = folder.trim_matches('/');
        what.push(format!(
            "a reference to a page in content/{folder}/, like \"@/{folder}/name.md\""
        ));
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
