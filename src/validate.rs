//! Stage 3: editorial checks on the content model, before anything is rendered.
//!
//! - every quote stands word for word in the source page (and we keep where, for anchors);
//! - every `@/` reference in `[extra]`, `[compare]`, `[[nav]]` points at a page or quote;
//! - section schemas hold for the pages inside them;
//! - every comparison row has a cell for every column.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::frontmatter::{ANY_PAGE, CompareDecl, FieldRule};
use crate::load::TEMPLATES_DIR;
use crate::quotations::marks;
use crate::quotes::{self, Normalized};
use crate::site::{Kind, Page, QuoteAt, Ref, Site};
use crate::theme::THEME_FILE;

/// What validation learnt that later stages need: where each quote stands in the source body.
#[derive(Debug, Default)]
pub struct Verified {
    pub quote_spans: BTreeMap<String, Range<usize>>,
    /// `@/` links in content Markdown (summaries, `[extra]` texts, `about`) and `[extra]`
    /// references that do not resolve: reported here, at their file, so the template
    /// rendering that text or looking that page up need not report them again.
    pub broken_links: Vec<String>,
    /// The source page's body folded for matching, made once for every check that needs it
    /// (the annotation of mentions too).
    pub source: Option<Normalized>,
}

pub fn validate(site: &Site, diags: &mut Diagnostics) -> Verified {
    let source = site
        .source
        .and_then(|i| site.page(i).kept_body())
        .map(Normalized::new);
    let mut verified = verify_quotes(site, source.as_ref(), diags);
    let from = diags.len();
    verified.broken_links = check_markdown_links(site, diags);
    check_config(site, diags);
    for page in &site.pages {
        let broken = check_extra_refs(site, page, diags);
        verified.broken_links.extend(broken);
        if let Some(compare) = &page.fm.compare {
            check_compare(site, page, compare, diags);
        }
    }
    check_schemas(site, source.as_ref(), diags);
    check_contract(site, source.as_ref(), diags);
    check_mentions(site, source.as_ref(), diags);
    // A schema's check of a reference restates the general one, with a better hint.
    diags.drop_restated(from);
    verified.source = source;
    verified
}

fn verify_quotes(site: &Site, source: Option<&Normalized>, diags: &mut Diagnostics) -> Verified {
    let mut verified = Verified::default();
    let body = site.source.and_then(|i| site.page(i).kept_body());
    let quoted: Vec<Range<usize>> = body
        .map(|b| marks::find(b).into_iter().map(|m| m.inner).collect())
        .unwrap_or_default();
    // Quotes first: an excerpt is looked for inside its quote's place.
    let (excerpts, wholes): (Vec<_>, Vec<_>) =
        site.quotes.iter().partition(|(_, at)| at.excerpt.is_some());
    for (id, at) in wholes.into_iter().chain(excerpts) {
        let page = site.page(at.page);
        let text = site.quote_text(*at);
        let Some(source) = source else {
            diags.push(
                page.error(
                    page.toml_line(text.span().start),
                    format!("quote `{id}` cannot be checked: no page has `source = true`"),
                )
                .with_hint("mark the page that holds the article text with `source = true`"),
            );
            continue;
        };
        let found = match at.excerpt {
            None => place_quote(site, *at, source, diags),
            Some(_) => place_excerpt(site, *at, source, &verified, diags),
        };
        if let Some(range) = found {
            if at.excerpt.is_none() {
                check_attribution(site, *at, &range, &quoted, diags);
            }
            verified.quote_spans.insert(id.clone(), range);
        }
    }
    verified
}

/// Where a quote stands in the source: its only occurrence, or the one its `occurrence` names.
fn place_quote(
    site: &Site,
    at: QuoteAt,
    source: &Normalized,
    diags: &mut Diagnostics,
) -> Option<Range<usize>> {
    let page = site.page(at.page);
    let q = site.quote(at);
    let id = q.id.get_ref();
    // Lines are counted only for an error: most quotes have none.
    let line = || page.toml_line(q.text.span().start);
    let all = quotes::find_all(source, q.text.get_ref());
    if all.is_empty() {
        diags.push(
            page.error(
                line(),
                format!("quote `{id}` does not match the article word for word"),
            )
            .with_hint(format!(
                "{}\nfix the quote's text (only quote marks, dashes and spacing may differ)",
                quotes::explain_mismatch(source, q.text.get_ref())
            )),
        );
        return None;
    }
    match (&q.occurrence, all.len()) {
        (None, 1) => all.into_iter().next(),
        (None, n) => {
            diags.push(
                page.error(line(), format!("quote `{id}` stands {n} times in the article"))
                    .with_hint(format!(
                        "say which one it is with `occurrence = 1` … `occurrence = {n}` (1 is the first), or quote a longer passage"
                    )),
            );
            None
        }
        (Some(k), n) => {
            let found = k.get_ref().checked_sub(1).and_then(|i| all.get(i).cloned());
            if found.is_none() {
                diags.push(
                    page.error(
                        page.toml_line(k.span().start),
                        format!(
                            "quote `{id}` has `occurrence = {}`, but it stands {n} time(s) in the article",
                            k.get_ref()
                        ),
                    )
                    .with_hint(format!("use a number from 1 to {n}")),
                );
            }
            found
        }
    }
}

/// Where an excerpt stands: inside its quote's place in the source.
fn place_excerpt(
    site: &Site,
    at: QuoteAt,
    source: &Normalized,
    verified: &Verified,
    diags: &mut Diagnostics,
) -> Option<Range<usize>> {
    let page = site.page(at.page);
    let text = site.quote_text(at);
    let id = site.quote_id(at).get_ref();
    let of = site.quote(at).id.get_ref();
    // A quote that failed its own check is reported once, there.
    let within = verified.quote_spans.get(of)?;
    let found = quotes::find_within(source, text.get_ref(), within);
    if found.is_none() {
        let why = if quotes::find(source, text.get_ref()).is_some() {
            "it stands in the article, but outside that quote".to_string()
        } else {
            quotes::explain_mismatch(source, text.get_ref())
        };
        diags.push(
            page.error(
                page.toml_line(text.span().start),
                format!("excerpt `{id}` is not inside its quote `{of}`"),
            )
            .with_hint(format!(
                "{why}\nan excerpt copies a shorter span of the quote named by `of`, word for word"
            )),
        );
    }
    found
}

/// A quote's `kind` and `via`: a known kind, a quotation inside quotation marks, and `via`
/// naming another figure of the same section. The source's own passages have neither.
fn check_attribution(
    site: &Site,
    at: QuoteAt,
    range: &Range<usize>,
    quoted: &[Range<usize>],
    diags: &mut Diagnostics,
) {
    let page = site.page(at.page);
    let q = site.quote(at);
    let id = q.id.get_ref();
    if Some(at.page) == site.source {
        for (key, span) in [
            ("kind", q.kind.as_ref().map(|k| k.span())),
            ("via", q.via.as_ref().map(|v| v.span())),
        ] {
            if let Some(span) = span {
                diags.push(
                    page.error(page.toml_line(span.start), format!("passage `{id}` of the source page cannot have `{key}`"))
                        .with_hint("quotes declared on the source page are the article's own narration; attribute a person's words on their own page"),
                );
            }
        }
        return;
    }
    if let Some(kind) = &q.kind
        && !Kind::NAMES.contains(&kind.get_ref().as_str())
    {
        let d = page
            .error(
                page.toml_line(kind.span().start),
                format!("quote `{id}` has an unknown kind `{}`", kind.get_ref()),
            )
            .with_hint(KIND_HINT);
        diags.push(d.suggest(kind.get_ref(), Kind::NAMES));
    }
    if site.attribution(at).kind == Kind::Quotation
        && !quotes::inside_quotation_marks(quoted, range)
    {
        diags.push(
            page.error(
                page.toml_line(q.text.span().start),
                format!("quote `{id}` is a quotation, but in the article it does not stand inside quotation marks"),
            )
            .with_hint("if the article reports this in its own words, write `kind = \"paraphrase\"`; a quotation is the person's own words, inside quotation marks in the article"),
        );
    }
    if let Some(via) = &q.via {
        check_via(site, at, via, diags);
    }
}

const KIND_HINT: &str = "`kind = \"quotation\"` (the default): the person's own words, inside quotation marks in the article; `kind = \"paraphrase\"`: the article reporting their view in its own words";

/// `via` names another page of the speaker's own section: a figure.
fn check_via(site: &Site, at: QuoteAt, via: &toml::Spanned<String>, diags: &mut Diagnostics) {
    let page = site.page(at.page);
    let line = page.toml_line(via.span().start);
    let id = site.quote(at).id.get_ref();
    let figures = pages_in(site, page.dir());
    let hint = format!(
        "`via` names the figure through whom the article reports this, one of: {}",
        figures.join(", ")
    );
    let problem = match site.resolve(via.get_ref()) {
        Err(why) => Some(why),
        Ok(t) if t.page == at.page => Some("it names the speaker themself".to_string()),
        Ok(t) if site.page(t.page).dir() != page.dir() || site.page(t.page).is_section => {
            Some(format!(
                "`{}` is not a figure: figures are the pages beside this one, in content/{}/",
                via.get_ref(),
                page.dir()
            ))
        }
        Ok(_) => None,
    };
    if let Some(why) = problem {
        let d = page
            .error(line, format!("quote `{id}`: `via`: {why}"))
            .with_hint(hint);
        diags.push(d.suggest(via.get_ref(), figures.iter().map(String::as_str)));
    }
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
/// Returns the broken ones, so that templates reading them need not report them again.
fn check_extra_refs(site: &Site, page: &Page, diags: &mut Diagnostics) -> Vec<String> {
    let mut broken = Vec::new();
    for r in page.extra_refs() {
        if let Err(why) = resolve_any(site, &r) {
            diags.push(page.error(page.line_of(&r), why).with_hint(REF_HINT));
            broken.push(r);
        }
    }
    broken
}

/// A page reference, or a quote reference when it names a quote id of that page.
fn resolve_any(site: &Site, r: &str) -> Result<(), String> {
    match site.parse_ref(r)? {
        Ref::Anchor(..) => site.resolve_quote(r).map(|_| ()),
        Ref::Page(_) | Ref::Quote(_) => Ok(()),
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
        for key in row.cells.keys() {
            if !keys.contains(key) {
                // At the mistyped key itself (the first key by that name: a typo stands once).
                let d = page
                    .error(
                        page.line_of(key),
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
                    .with_hint(format!("add [compare.rows.cells.{}] with a `summary` and `backing`, or `silent = true` if the article does not say", crate::frontmatter::toml_key(key))));
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
            for b in &cell.backing {
                match site.resolve_quote(b.get_ref()) {
                    Err(why) => diags.push(page.error(
                        page.toml_line(b.span().start),
                        format!("row `{id}`, column `{key}` backing: {why}"),
                    )),
                    Ok(at) if repeats(&cell.summary, site.quote_text(at).get_ref()) => {
                        diags.push(page.error(
                            page.toml_line(b.span().start),
                            format!("row `{id}`, column `{key}`: the summary repeats its evidence `{}` word for word", b.get_ref()),
                        ).with_hint("the summary is ours, in a line; the evidence below it gives the article's words: shorten the summary"));
                    }
                    Ok(_) => {}
                }
            }
        }
    }
}

/// A summary that holds its evidence (of more than a few words) word for word repeats it.
fn repeats(summary: &str, evidence: &str) -> bool {
    let evidence = quotes::normalize_quote(evidence).to_lowercase();
    evidence.split(' ').count() > 4
        && quotes::normalize_quote(summary)
            .to_lowercase()
            .contains(&evidence)
}

/// Every Markdown text of the content that templates render with the `markdown` filter
/// (comparison summaries, strings in `[extra]`, the source's `about`), checked for `@/`
/// links that do not resolve. Returns the broken references.
fn check_markdown_links(site: &Site, diags: &mut Diagnostics) -> Vec<String> {
    let mut broken = Vec::new();
    let mut report = |d: Diagnostic, r: String| {
        diags.push(d.with_hint(REF_HINT));
        broken.push(r);
    };
    for page in &site.pages {
        let mut texts: Vec<(String, &str)> = Vec::new();
        if let Some(c) = &page.fm.compare {
            for row in &c.rows {
                let id = row_id(row.id.as_deref(), row.topic.get_ref());
                for (key, cell) in &row.cells {
                    texts.push((format!("row `{id}`, column `{key}` summary"), &cell.summary));
                }
            }
        }
        if let Some(about) = &page.fm.about {
            texts.push(("`about`".into(), about));
        }
        for (key, text) in strings_in(&page.fm.extra) {
            texts.push((format!("[extra] `{key}`"), text));
        }
        for (what, text) in texts {
            if let Some((r, why)) = broken_markdown_link(site, text) {
                report(
                    page.error(page.line_of(&r), format!("{what}: broken link: {why}")),
                    r,
                );
            }
        }
    }
    for (key, text) in strings_in(&site.config.extra) {
        if let Some((r, why)) = broken_markdown_link(site, text) {
            let line = site.config.line_of(&r);
            let d = Diagnostic::error(
                crate::config::CONFIG_FILE,
                line,
                format!("[extra] `{key}`: broken link: {why}"),
            );
            report(d, r);
        }
    }
    broken
}

/// Every string in a TOML table, with the key that holds it (nested keys by their last name).
fn strings_in(table: &toml::Table) -> Vec<(&str, &str)> {
    fn walk<'a>(key: &'a str, v: &'a toml::Value, out: &mut Vec<(&'a str, &'a str)>) {
        match v {
            toml::Value::String(s) => out.push((key, s)),
            toml::Value::Array(a) => a.iter().for_each(|x| walk(key, x, out)),
            toml::Value::Table(t) => t.iter().for_each(|(k, x)| walk(k, x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    table.iter().for_each(|(k, v)| walk(k, v, &mut out));
    out
}

/// The first `@/` link in a Markdown text that does not resolve, found here so the error
/// names the content file rather than the template that renders the text.
fn broken_markdown_link(site: &Site, summary: &str) -> Option<(String, String)> {
    // Most texts hold no reference link at all: skip the Markdown parse for them.
    if !summary.contains(crate::site::REF_PREFIX) {
        return None;
    }
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
    let why = format!("{} requires it", section.shown.display());
    check_fields(site, &PageFields(page), schema, &why, source, diags);
}

/// The `[extra]` of one file, to check against rules: a page's, or `lede.toml`'s.
trait ExtraOf {
    fn extra(&self) -> &toml::Table;
    /// A diagnostic at the line of `key` (or of the `[extra]` table when `key` is absent).
    fn error_at(&self, key: Option<&str>, message: String) -> Diagnostic;
    /// Where a missing key goes, for hints.
    fn place(&self) -> String;
}

/// `["extra", key]`, or `["extra"]` for the table itself: where a diagnostic points.
fn extra_path(key: Option<&str>) -> Vec<&str> {
    std::iter::once("extra").chain(key).collect()
}

struct PageFields<'a>(&'a Page);

impl ExtraOf for PageFields<'_> {
    fn extra(&self) -> &toml::Table {
        &self.0.fm.extra
    }
    fn error_at(&self, key: Option<&str>, message: String) -> Diagnostic {
        let line = self.0.key_line(&extra_path(key));
        self.0.error(line, message)
    }
    fn place(&self) -> String {
        format!("under [extra] in {}", self.0.shown.display())
    }
}

struct ConfigFields<'a>(&'a crate::config::Config);

impl ExtraOf for ConfigFields<'_> {
    fn extra(&self) -> &toml::Table {
        &self.0.extra
    }
    fn error_at(&self, key: Option<&str>, message: String) -> Diagnostic {
        let line = self.0.key_line(&extra_path(key));
        Diagnostic::error(crate::config::CONFIG_FILE, line, message)
    }
    fn place(&self) -> String {
        format!("under [extra] in {}", crate::config::CONFIG_FILE)
    }
}

/// Checks a file's `[extra]` against rules; `why` says whose rules they are.
fn check_fields(
    site: &Site,
    file: &dyn ExtraOf,
    rules: &std::collections::BTreeMap<String, FieldRule>,
    why: &str,
    source: Option<&Normalized>,
    diags: &mut Diagnostics,
) {
    for (key, rule) in rules {
        match file.extra().get(key) {
            None if rule.required => {
                let example = if rule.example.is_empty() {
                    "\"…\""
                } else {
                    &rule.example
                };
                let doc = if rule.doc.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", rule.doc)
                };
                diags.push(
                    file.error_at(None, format!("missing required [extra] key `{key}`{doc}"))
                        .with_hint(format!(
                            "{why}: add this line {}:\n{key} = {example}",
                            file.place()
                        )),
                );
            }
            None => {}
            Some(value) => check_field(site, file, key, value, rule, source, diags),
        }
    }
}

/// `lede.toml` and every page against what the theme declares it reads
/// (`templates/theme.toml`): reported once, in the file that needs the fix.
fn check_contract(site: &Site, source: Option<&Normalized>, diags: &mut Diagnostics) {
    let contract = &site.contract;
    let why = format!("the theme ({TEMPLATES_DIR}/{THEME_FILE}) reads it");
    let config = ConfigFields(&site.config);
    check_fields(site, &config, &contract.config.extra, &why, source, diags);
    for page in &site.pages {
        let template = crate::render::template_for(site, page);
        if let Some(fields) = contract.pages.get(template) {
            let why = format!("{TEMPLATES_DIR}/{template} reads it ({TEMPLATES_DIR}/{THEME_FILE})");
            check_fields(site, &PageFields(page), &fields.extra, &why, source, diags);
        }
    }
}

fn check_field(
    site: &Site,
    file: &dyn ExtraOf,
    key: &str,
    value: &toml::Value,
    rule: &FieldRule,
    source: Option<&Normalized>,
    diags: &mut Diagnostics,
) {
    let err = |message: String| file.error_at(Some(key), message);
    let expected = rule.value_type.as_deref().unwrap_or("string");
    let fits = match expected {
        "table" => value.is_table(),
        "list" => value.is_array(),
        _ => value.is_str(),
    };
    if !fits {
        let example = if rule.example.is_empty() {
            String::new()
        } else {
            format!(", like `{key} = {}`", rule.example)
        };
        diags.push(
            err(format!("[extra] `{key}` must be a {expected}"))
                .with_hint(format!("write it as a TOML {expected}{example}")),
        );
        return;
    }
    let Some(text) = value.as_str() else {
        return; // tables and lists: their `@/` references are checked with every reference
    };
    if !rule.one_of.is_empty() && !rule.one_of.iter().any(|v| v == text) {
        let d = err(format!("[extra] `{key}` is `{text}`, which is not allowed"))
            .with_hint(format!("allowed values: {}", rule.one_of.join(", ")));
        diags.push(d.suggest(text, rule.one_of.iter().map(String::as_str)));
    }
    match rule.ref_section.as_deref() {
        None => {}
        // Any page or quote: a broken one is reported with every other `@/` reference.
        Some(ANY_PAGE) if !text.starts_with(crate::site::REF_PREFIX) => diags.push(
            err(format!("[extra] `{key}` must be a reference, not `{text}`")).with_hint(REF_HINT),
        ),
        Some(ANY_PAGE) => {}
        Some(folder) => match site.resolve(text) {
            Ok(t)
                if site.page(t.page).dir() == folder.trim_matches('/')
                    && !site.page(t.page).is_section => {}
            Ok(_) => diags.push(
                err(format!(
                    "[extra] `{key}` must reference a page in content/{folder}/, not `{text}`"
                ))
                .with_hint(format!(
                    "pages there: {}",
                    pages_in(site, folder).join(", ")
                )),
            ),
            Err(why) => diags.push(err(format!("[extra] `{key}`: {why}")).with_hint(format!(
                "pages in content/{folder}/: {}",
                pages_in(site, folder).join(", ")
            ))),
        },
    }
    if rule.verbatim {
        match source {
            Some(src) if quotes::find(src, text).is_some() => {}
            Some(src) => diags.push(
                err(format!(
                    "[extra] `{key}` must stand word for word in the article"
                ))
                .with_hint(quotes::explain_mismatch(src, text)),
            ),
            None => diags.push(err(format!(
                "[extra] `{key}` must be verbatim, but no page has `source = true`"
            ))),
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
}
