//! `lede quotes`: the quotations of a site's source page and which pages claim each.
//!
//! A page claims a quotation when one of its `[[quotes]]` stands inside it, compared after
//! typography folding (see `crate::quotes`). Drafts are read too (marked as such), so the
//! proposals of `lede init` show up before they are confirmed.

use std::path::Path;

use anyhow::{Context, bail};
use walkdir::WalkDir;

use super::Findings;
use crate::frontmatter::{self, FrontMatter};
use crate::load::CONTENT_DIR;
use crate::quotes::{Normalized, normalize_quote};

/// One content page, parsed.
struct Parsed {
    /// `@/figures/x.md`
    reference: String,
    shown: String,
    fm: FrontMatter,
    text: String,
    body_offset: usize,
}

/// What `lede quotes` reports.
pub struct SiteQuotations {
    /// The source page as shown: `content/article.md`.
    pub source: String,
    /// Lines of the source file before its body.
    pub line_offset: usize,
    pub body: String,
    pub findings: Findings,
    /// Per quotation: `@/page.md#id` of each quote that lies inside it.
    pub claims: Vec<Vec<String>>,
    /// Pages that could not be read or parsed, with why.
    pub skipped: Vec<String>,
}

/// Reads the site under `root`, finds the source page's quotations and their claimants.
pub fn scan(root: &Path) -> anyhow::Result<SiteQuotations> {
    let content = root.join(CONTENT_DIR);
    if !content.is_dir() {
        bail!(
            "{} has no content/ folder: run `lede quotes` in a site folder or pass --root DIR",
            root.display()
        );
    }
    let (pages, skipped) = read_pages(&content)?;
    let source = pages
        .iter()
        .filter(|p| p.fm.source)
        .min_by_key(|p| p.fm.draft)
        .with_context(|| {
            format!(
                "no page under {} has `source = true`: mark the page that holds the article text",
                content.display()
            )
        })?;
    let body = source.text[source.body_offset..].to_string();
    let findings = super::find(&body);
    let claims = findings
        .quotations
        .iter()
        .map(|q| {
            claimants(
                &pages,
                source,
                &Normalized::new(&body[q.inner.clone()]).text,
            )
        })
        .collect();
    Ok(SiteQuotations {
        source: source.shown.clone(),
        line_offset: source.text[..source.body_offset].matches('\n').count(),
        body,
        findings,
        claims,
        skipped,
    })
}

fn claimants(pages: &[Parsed], source: &Parsed, quotation: &str) -> Vec<String> {
    let mut out = Vec::new();
    for page in pages {
        if std::ptr::eq(page, source) {
            continue;
        }
        for q in &page.fm.quotes {
            let folded = normalize_quote(q.text.get_ref());
            if !folded.is_empty() && quotation.contains(&folded) {
                let draft = if page.fm.draft { " (draft)" } else { "" };
                out.push(format!("{}#{}{draft}", page.reference, q.id.get_ref()));
            }
        }
    }
    out
}

fn read_pages(content: &Path) -> anyhow::Result<(Vec<Parsed>, Vec<String>)> {
    let mut pages = Vec::new();
    let mut skipped = Vec::new();
    let walk = WalkDir::new(content).sort_by_file_name();
    for entry in walk {
        let entry = entry.with_context(|| format!("cannot list {}", content.display()))?;
        let path = entry.path();
        if !entry.file_type().is_file() || path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let rel = path
            .strip_prefix(content)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let shown = format!("{CONTENT_DIR}/{rel}");
        match parse(path, &shown) {
            Ok((fm, text, body_offset)) => pages.push(Parsed {
                reference: format!("@/{rel}"),
                shown,
                fm,
                text,
                body_offset,
            }),
            Err(why) => skipped.push(format!("{shown}: {why}")),
        }
    }
    Ok((pages, skipped))
}

fn parse(path: &Path, shown: &str) -> Result<(FrontMatter, String, usize), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let split = frontmatter::split(&text).map_err(|(_, m, _)| m)?;
    let fm = frontmatter::parse(shown, &text, &split).map_err(|d| d.message)?;
    let body_offset = split.body_offset;
    Ok((fm, text, body_offset))
}
