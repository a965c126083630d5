//! Stage 3: editorial checks on the content model, before anything is rendered.
//!
//! - every quote stands word for word in the source page (and we keep where, for anchors);
//! - every `@/` reference in `[extra]`, `[compare]`, `[[nav]]` points at a page or quote;
//! - section schemas hold for the pages inside them;
//! - every comparison row has a cell for every column.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::frontmatter::{CompareDecl, FieldRule};
use crate::quotes::{self, Normalized};
use crate::site::{Page, Site};

/// What validation learnt that later stages need: where each quote stands in the source body.
#[derive(Debug, Default)]
pub struct Verified {
    pub quote_spans: BTreeMap<String, Range<usize>>,
}

pub fn validate(site: &Site, diags: &mut Diagnostics) -> Verified {
    let source = site
        .source
        .and_then(|i| site.page(i).kept_body())
        .map(Normalized::new);
    let verified = verify_quotes(site, source.as_ref(), diags);
    check_config(site, diags);
    for page in &site.pages {
        check_extra_refs(site, page, diags);
        if let Some(compare) = &page.fm.compare {
            check_compare(site, page, compare, diags);
        }
    }
    check_schemas(site, source.as_ref(), diags);
    check_mentions(site, source.as_ref(), diags);
    verified
}

fn verify_quotes(site: &Site, source: Option<&Normalized>, diags: &mut Diagnostics) -> Verified {
    let mut verified = Verified::default();
    for (id, at) in &site.quotes {
        let page = site.page(at.page);
        let quote = site.quote(*at);
        let line = page.toml_line(quote.text.span().start);
        let Some(source) = source else {
            diags.push(
                page.error(
                    line,
                    format!("quote `{id}` cannot be checked: no page has `source = true`"),
                )
                .with_hint("mark the page that holds the article text with `source = true`"),
            );
            continue;
        };
        match quotes::find(source, quote.text.get_ref()) {
            Some(range) => {
                verified.quote_spans.insert(id.clone(), range);
            }
            None => diags.push(
                page.error(
                    line,
                    format!("quote `{id}` does not match the article word for word"),
                )
                .with_hint(format!(
                    "{}\nfix the quote's text (only quote marks, dashes and spacing may differ)",
                    quotes::explain_mismatch(source, quote.text.get_ref())
                )),
            ),
        }
    }
    verified
}

/// `lede.toml`: every nav entry and every `@/` string in its `[extra]` must resolve, whether
/// or not a template uses it yet.
fn check_config(site: &Site, diags: &mut Diagnostics) {
    let config = &site.config;
    for entry in &config.nav {
        if let Err(why) = site.resolve(&entry.target) {
            diags.push(
                Diagnostic::error(
                    crate::config::CONFIG_FILE,
                    config.line_of(&format!("\"{}\"", entry.target)),
                    format!("nav entry `{}`: {why}", entry.title),
                )
                .with_hint("nav `ref` values are page references like `@/article.md`"),
            );
        }
    }
    for r in crate::site::refs_in(&config.extra) {
        if let Err(why) = resolve_any(site, &r) {
            diags.push(
                Diagnostic::error(crate::config::CONFIG_FILE, config.line_of(&r), why)
                    .with_hint(REF_HINT),
            );
        }
    }
}

const REF_HINT: &str =
    "references look like `@/figures/name.md`, or `@/figures/name.md#quote-id` for a quote";

/// Every string in `[extra]` that starts with `@/` must resolve (to a quote when it has `#`).
fn check_extra_refs(site: &Site, page: &Page, diags: &mut Diagnostics) {
    for r in page.extra_refs() {
        if let Err(why) = resolve_any(site, &r) {
            diags.push(page.error(page.line_of(&r), why).with_hint(REF_HINT));
        }
    }
}

/// A page reference, or a quote reference when it names a quote id of that page.
fn resolve_any(site: &Site, r: &str) -> Result<(), String> {
    let target = site.resolve(r)?;
    match target.fragment {
        Some(_) => site.resolve_quote(r).map(|_| ()),
        None => Ok(()),
    }
}

fn check_compare(site: &Site, page: &Page, compare: &CompareDecl, diags: &mut Diagnostics) {
    let mut keys = Vec::new();
    for col in &compare.columns {
        let line = page.toml_line(col.span().start);
        match site.resolve(col.get_ref()) {
            Ok(t) => keys.push(site.page(t.page).slug().to_string()),
            Err(why) => diags.push(page.error(line, format!("comparison column: {why}"))),
        }
    }
    if compare.columns.is_empty() {
        diags.push(
            page.error(page.line_of("[compare]"), "the comparison has no columns")
                .with_hint("add `columns = [\"@/camps/a.md\", \"@/camps/b.md\"]` under [compare]"),
        );
    }
    let mut ids = BTreeSet::new();
    for row in &compare.rows {
        let line = page.toml_line(row.topic.span().start);
        let id = row_id(row.id.as_deref(), row.topic.get_ref());
        if !ids.insert(id.clone()) {
            diags.push(
                page.error(line, format!("two comparison rows have the id `{id}`"))
                    .with_hint("give one of them its own `id = \"…\"`"),
            );
        }
        for v in &row.voices {
            if let Err(why) = site.resolve(v.get_ref()) {
                diags.push(page.error(
                    page.toml_line(v.span().start),
                    format!("row `{id}` voice: {why}"),
                ));
            }
        }
        for key in row.cells.keys() {
            if !keys.contains(key) {
                let d = page
                    .error(
                        line,
                        format!("row `{id}` has a cell `{key}` that is not a column"),
                    )
                    .with_hint(format!(
                        "cells are keyed by the column page's name: {}",
                        keys.join(", ")
                    ));
                diags.push(d.suggest(key, keys.iter().map(String::as_str)));
            }
        }
        for key in &keys {
            let Some(cell) = row.cells.get(key) else {
                diags.push(page.error(line, format!("row `{id}` (“{}”) has no cell for column `{key}`", row.topic.get_ref()))
                    .with_hint(format!("add [compare.rows.cells.{key}] with a `summary` and `backing`, or `silent = true` if the article does not say")));
                continue;
            };
            if cell.silent && (!cell.summary.is_empty() || !cell.backing.is_empty()) {
                diags.push(page.error(line, format!("row `{id}`, column `{key}`: a silent cell cannot have a summary or backing"))
                    .with_hint("either the article says something (summary + backing) or it does not (silent = true)"));
            }
            if !cell.silent && (cell.summary.is_empty() || cell.backing.is_empty()) {
                diags.push(page.error(line, format!("row `{id}`, column `{key}` needs a `summary` and at least one `backing` quote"))
                    .with_hint("every claim on the comparison is backed by a quote or passage; write `silent = true` where the article does not say"));
            }
            if let Some((r, why)) = broken_summary_link(site, &cell.summary) {
                diags.push(
                    page.error(
                        page.line_of(&r),
                        format!("row `{id}`, column `{key}` summary: broken link: {why}"),
                    )
                    .with_hint(REF_HINT),
                );
            }
            for b in &cell.backing {
                if let Err(why) = site.resolve_quote(b.get_ref()) {
                    diags.push(page.error(
                        page.toml_line(b.span().start),
                        format!("row `{id}`, column `{key}` backing: {why}"),
                    ));
                }
            }
        }
    }
}

/// The first `@/` link in a summary that does not resolve, found here so the error names the
/// content file rather than the template that renders the summary.
fn broken_summary_link(site: &Site, summary: &str) -> Option<(String, String)> {
    let broken = std::cell::RefCell::new(None);
    let resolve = |r: &str| {
        site.resolve(r).map(|_| String::new()).inspect_err(|why| {
            broken
                .borrow_mut()
                .get_or_insert((r.to_string(), why.clone()));
        })
    };
    let _ = crate::markdown::render_inline(summary, &resolve);
    broken.into_inner()
}

/// A row's anchor: its `id`, else its topic made into a slug.
pub fn row_id(id: Option<&str>, topic: &str) -> String {
    if let Some(id) = id {
        return id.to_string();
    }
    let mut slug = String::new();
    for c in topic.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_matches('-').to_string()
}

fn check_schemas(site: &Site, source: Option<&Normalized>, diags: &mut Diagnostics) {
    for (s, section) in site.pages.iter().enumerate() {
        if section.fm.schema.is_empty() {
            continue;
        }
        let (pages, _) = site.children(s);
        for &p in &pages {
            check_schema(site, section, site.page(p), source, diags);
        }
    }
}

fn check_schema(
    site: &Site,
    section: &Page,
    page: &Page,
    source: Option<&Normalized>,
    diags: &mut Diagnostics,
) {
    let schema = &section.fm.schema;
    for key in page.fm.extra.keys() {
        if !schema.contains_key(key) {
            let d = page
                .error(
                    page.key_line(&["extra", key]),
                    format!("unknown [extra] key `{key}`"),
                )
                .with_hint(format!(
                    "{} defines these keys: {}",
                    section.shown.display(),
                    schema.keys().cloned().collect::<Vec<_>>().join(", ")
                ));
            diags.push(d.suggest(key, schema.keys().map(String::as_str)));
        }
    }
    for (key, rule) in schema {
        match page.fm.extra.get(key) {
            None if rule.required => diags.push(
                page.error(1, format!("missing required [extra] key `{key}`"))
                    .with_hint(format!(
                        "{} requires it: add `{key} = …` under [extra]",
                        section.shown.display()
                    )),
            ),
            None => {}
            Some(value) => check_field(site, page, key, value, rule, source, diags),
        }
    }
}

fn check_field(
    site: &Site,
    page: &Page,
    key: &str,
    value: &toml::Value,
    rule: &FieldRule,
    source: Option<&Normalized>,
    diags: &mut Diagnostics,
) {
    let line = page.key_line(&["extra", key]);
    let Some(text) = value.as_str() else {
        diags.push(page.error(line, format!("[extra] `{key}` must be a string")));
        return;
    };
    if !rule.one_of.is_empty() && !rule.one_of.iter().any(|v| v == text) {
        let d = page
            .error(
                line,
                format!("[extra] `{key}` is `{text}`, which is not allowed"),
            )
            .with_hint(format!("allowed values: {}", rule.one_of.join(", ")));
        diags.push(d.suggest(text, rule.one_of.iter().map(String::as_str)));
    }
    if let Some(folder) = &rule.ref_section {
        match site.resolve(text) {
            Ok(t)
                if site.page(t.page).dir() == folder.trim_matches('/')
                    && !site.page(t.page).is_section => {}
            Ok(_) => diags.push(
                page.error(
                    line,
                    format!(
                        "[extra] `{key}` must reference a page in content/{folder}/, not `{text}`"
                    ),
                )
                .with_hint(format!(
                    "pages there: {}",
                    pages_in(site, folder).join(", ")
                )),
            ),
            Err(why) => {
                let d = page
                    .error(line, format!("[extra] `{key}`: {why}"))
                    .with_hint(format!(
                        "pages in content/{folder}/: {}",
                        pages_in(site, folder).join(", ")
                    ));
                diags.push(d);
            }
        }
    }
    if rule.verbatim {
        match source {
            Some(src) if quotes::find(src, text).is_some() => {}
            Some(src) => diags.push(
                page.error(
                    line,
                    format!("[extra] `{key}` must stand word for word in the article"),
                )
                .with_hint(quotes::explain_mismatch(src, text)),
            ),
            None => diags.push(page.error(
                line,
                format!("[extra] `{key}` must be verbatim, but no page has `source = true`"),
            )),
        }
    }
}

fn pages_in(site: &Site, folder: &str) -> Vec<String> {
    let folder = folder.trim_matches('/');
    site.pages
        .iter()
        .filter(|p| p.dir() == folder && !p.is_section)
        .map(Page::reference)
        .collect()
}

fn check_mentions(site: &Site, source: Option<&Normalized>, diags: &mut Diagnostics) {
    let Some(source) = source else { return };
    for page in &site.pages {
        for m in &page.fm.mentions {
            if quotes::find(source, m.get_ref()).is_none() {
                diags.push(Diagnostic::warning(&page.shown, page.toml_line(m.span().start), format!(
                    "mention `{}` never appears in the article, so nothing will link here from it", m.get_ref()
                )).with_hint("check the spelling against the article"));
            }
        }
    }
    // A quoted voice on the comparison with no quotes on their own page is suspicious.
    for page in &site.pages {
        let Some(compare) = &page.fm.compare else {
            continue;
        };
        let mut warned = BTreeSet::new();
        for v in compare.rows.iter().flat_map(|r| &r.voices) {
            if let Ok(t) = site.resolve(v.get_ref()) {
                let voice = site.page(t.page);
                if voice.fm.quotes.is_empty() && warned.insert(t.page) {
                    diags.push(
                        Diagnostic::warning(
                            &voice.shown,
                            1,
                            "this page is a voice on the comparison but has no quotes",
                        )
                        .with_hint("add the quotes that back their position as [[quotes]]"),
                    );
                }
            }
        }
    }
}
