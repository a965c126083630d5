//! Stage 2: the content model. Parses every content file and indexes the result: pages,
//! sections, output URLs, references (`@/path.md`) and quotes.
//!
//! Invariant: a `Site` only holds pages whose front matter parsed; every URL in it is relative
//! to the site root, ends in `.html` and stays inside the output folder.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::Hasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rustc_hash::FxHashMap;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics, did_you_mean_suffix, line_col};
use crate::frontmatter::{self, FrontMatter, QuoteDecl};
use crate::load::{self, ContentFile};
use toml::Spanned;

pub const REF_PREFIX: &str = "@/";

/// One content file, parsed.
#[derive(Debug)]
pub struct Page {
    /// Path under `content/`: `figures/velayati.md`.
    pub rel: String,
    pub shown: PathBuf,
    abs: PathBuf,
    /// The whole file as read, if its body is kept (see [`Page::body`]); if not, the front
    /// matter's text is read again only to place an error in it.
    kept: Option<String>,
    /// Where the body starts in the file (the end of the front matter).
    head_len: usize,
    /// A hash of the front matter's text: the file read again must still begin with it.
    head_hash: u64,
    /// The file line the body starts on.
    body_line: usize,
    pub fm: FrontMatter,
    toml_offset: usize,
    /// Output path relative to the site root: `figures/velayati.html`.
    pub url: String,
    pub is_section: bool,
    /// Index of the nearest enclosing section page, if any.
    pub parent: Option<usize>,
}

impl Page {
    /// `@/figures/velayati.md`: how other files refer to this page.
    pub fn reference(&self) -> String {
        format!("{REF_PREFIX}{}", self.rel)
    }

    /// The last part of the URL without `.html`.
    pub fn slug(&self) -> &str {
        let file = self.url.rsplit('/').next().unwrap_or(&self.url);
        file.strip_suffix(".html").unwrap_or(file)
    }

    /// The folder of this file under `content/` ("" at the top).
    pub fn dir(&self) -> &str {
        self.rel.rsplit_once('/').map_or("", |(d, _)| d)
    }

    /// The Markdown body. The source page always keeps its body in memory (quote checks and
    /// annotation read it), other pages while the build's [`BodyBudget`] lasts; any other
    /// page's is read again here, when it renders, so a big site's build holds its front
    /// matter rather than all of its text. The file must still begin with the front matter
    /// that was parsed.
    pub fn body(&self) -> Result<Cow<'_, str>, Diagnostic> {
        if let Some(body) = self.kept_body() {
            return Ok(Cow::Borrowed(body));
        }
        let mut text = load::read_utf8(&self.shown, &self.abs)?;
        if !self.begins(&text) {
            return Err(self
                .error(1, "the file changed while lede was reading it")
                .with_hint("build again"));
        }
        text.drain(..self.head_len);
        Ok(Cow::Owned(text))
    }

    /// Whether `text` begins with the front matter this page was parsed from.
    fn begins(&self, text: &str) -> bool {
        text.get(..self.head_len)
            .is_some_and(|head| hash_of(head) == self.head_hash)
    }

    /// Whether two pages were parsed from the same front matter text (so, with the same
    /// `rel`, they have the same front matter, URL and place in the site).
    pub fn same_head(&self, other: &Page) -> bool {
        self.head_len == other.head_len && self.head_hash == other.head_hash
    }

    /// The file up to the end of its front matter, to place an error in: kept, or read
    /// again (empty if the file changed since, so every line is 1).
    fn head(&self) -> Cow<'_, str> {
        if let Some(text) = &self.kept {
            return Cow::Borrowed(&text[..self.head_len]);
        }
        match load::read_utf8(&self.shown, &self.abs) {
            Ok(mut text) if self.begins(&text) => {
                text.truncate(self.head_len);
                Cow::Owned(text)
            }
            _ => Cow::Borrowed(""),
        }
    }

    /// The body if it is kept in memory (the source page's always is).
    pub fn kept_body(&self) -> Option<&str> {
        self.kept.as_deref().map(|text| &text[self.head_len..])
    }

    /// The whole file, for locating a problem in it: as kept, else as it is now (empty if
    /// unreadable).
    pub fn file_text(&self) -> String {
        match &self.kept {
            Some(text) => text.clone(),
            None => load::read_utf8(&self.shown, &self.abs).unwrap_or_default(),
        }
    }

    /// File line of a byte offset inside the front matter TOML (from a `Spanned` value).
    pub fn toml_line(&self, toml_offset: usize) -> usize {
        line_col(&self.head(), self.toml_offset + toml_offset).0
    }

    /// File line of a byte offset inside `body` (as returned by [`Page::body`]).
    pub fn body_line(&self, body: &str, body_offset: usize) -> usize {
        self.body_line + line_col(body, body_offset).0 - 1
    }

    /// Line of the first key named `needle` or string value equal to it in the front matter,
    /// from the TOML parser's spans; else of its first occurrence in the text (1 if absent).
    pub fn line_of(&self, needle: &str) -> usize {
        let head = self.head();
        let toml = frontmatter::split(&head).ok().map(|s| s.toml);
        match toml.and_then(|toml| frontmatter::offset_of(toml, needle)) {
            Some(at) => line_col(&head, self.toml_offset + at).0,
            None => crate::diagnostics::line_of(&head, needle),
        }
    }

    /// Line of the key at `path` (`["extra", "role"]`) in the front matter (1 if absent).
    pub fn key_line(&self, path: &[&str]) -> usize {
        let head = self.head();
        frontmatter::split(&head)
            .ok()
            .and_then(|s| frontmatter::key_offset(s.toml, path))
            .map_or(1, |at| line_col(&head, self.toml_offset + at).0)
    }

    /// Every `@/…` string anywhere in `[extra]`, in order.
    pub fn extra_refs(&self) -> Vec<String> {
        refs_in(&self.fm.extra)
    }

    pub fn error(&self, line: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(&self.shown, line, message)
    }
}

/// The `id` a quote's text carries wherever it is shown (the source, its speaker's page).
pub fn quote_anchor(id: &str) -> String {
    format!("q-{id}")
}

/// Every `@/…` string anywhere in a TOML table (an `[extra]`), in order.
pub fn refs_in(table: &toml::Table) -> Vec<String> {
    fn walk(v: &toml::Value, out: &mut Vec<String>) {
        match v {
            toml::Value::String(s) if s.starts_with(REF_PREFIX) => out.push(s.clone()),
            toml::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            toml::Value::Table(t) => t.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    table.values().for_each(|v| walk(v, &mut out));
    out
}

/// Where a quote or excerpt is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuoteAt {
    pub page: usize,
    /// Position in the page's `quotes`; for an excerpt, of the quote that holds it.
    pub index: usize,
    /// For an excerpt: its position in the page's `excerpts`.
    pub excerpt: Option<usize>,
}

/// Whose words a passage of the source is, as far as the content says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The article's own narration (a quote declared on the source page).
    Passage,
    /// The speaker's own words, inside quotation marks in the source.
    Quotation,
    /// The article reporting the speaker's view in its own words.
    Paraphrase,
}

impl Kind {
    pub const NAMES: [&'static str; 2] = ["quotation", "paraphrase"];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Passage => "passage",
            Kind::Quotation => "quotation",
            Kind::Paraphrase => "paraphrase",
        }
    }

    /// The kind a template value names (`quotation`, `paraphrase`, `passage`).
    pub fn from_name(name: &str) -> Kind {
        match name {
            "passage" => Kind::Passage,
            "paraphrase" => Kind::Paraphrase,
            _ => Kind::Quotation,
        }
    }
}

/// Who speaks in a passage: its kind, the page it is attributed to, and the figure through
/// whom the source reports it, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribution {
    pub kind: Kind,
    pub speaker: usize,
    pub via: Option<usize>,
}

/// A reference parsed into what it names: a page, a quote or excerpt of a page, or another
/// anchor on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ref {
    Page(usize),
    Quote(QuoteAt),
    Anchor(usize, String),
}

/// A reference resolved to a page, with its `#fragment` if any.
#[derive(Debug, Clone)]
pub struct Target {
    pub page: usize,
    pub fragment: Option<String>,
}

#[derive(Debug)]
pub struct Site {
    pub config: Config,
    /// Sorted by path under `content/`.
    pub pages: Vec<Page>,
    /// Fx-hashed: looked up for every link of every page, and iteration order never matters.
    /// Page index by reference `@/x.md`; shared with the template model.
    by_ref: Arc<FxHashMap<String, usize>>,
    /// Per page: the pages whose `parent` it is, in path order (empty unless a section).
    kids: Vec<Vec<usize>>,
    /// Quotes by id; ids are unique across the site.
    pub quotes: BTreeMap<String, QuoteAt>,
    /// The page whose body every quote is checked against.
    pub source: Option<usize>,
    /// The theme's interface strings with the site's overrides.
    pub strings: crate::theme::Strings,
    /// What the theme needs from the site (`templates/theme.toml`).
    pub contract: crate::theme::Contract,
    /// References of the content files that are drafts (left out, but there): a link to
    /// one says so rather than "does not exist".
    pub drafts: BTreeSet<String>,
}

impl Site {
    /// Parses every content file; files that fail to parse are reported and left out.
    pub fn build(config: Config, files: Vec<ContentFile>, diags: &mut Diagnostics) -> Site {
        let (pages, drafts) = parse_pages(files, &BodyBudget::new(0), diags);
        let mut site = Site::assemble(config, pages, diags);
        site.drafts = drafts;
        site
    }

    /// Puts page `i` read again in its place, when its front matter did not change (so
    /// neither did its place in the site): only its body, kept in memory, is new.
    pub fn reread(&mut self, i: usize, mut page: Page) {
        debug_assert!(page.same_head(&self.pages[i]));
        page.parent = self.pages[i].parent;
        self.pages[i] = page;
    }

    /// Indexes parsed pages (in any order): parents, references, URLs, quotes, the source.
    /// What it reports depends on the pages' front matter only.
    pub fn assemble(config: Config, mut pages: Vec<Page>, diags: &mut Diagnostics) -> Site {
        // In place: a stable sort would take a scratch copy of half the pages (`rel` is
        // unique, so the order is the same).
        pages.sort_unstable_by(|a, b| a.rel.cmp(&b.rel));
        link_parents(&mut pages);
        let by_ref = Arc::new(
            pages
                .iter()
                .enumerate()
                .map(|(i, p)| (p.reference(), i))
                .collect(),
        );
        let mut kids = vec![Vec::new(); pages.len()];
        for (i, p) in pages.iter().enumerate() {
            if let Some(parent) = p.parent {
                kids[parent].push(i);
            }
        }
        let mut site = Site {
            config,
            pages,
            by_ref,
            kids,
            quotes: BTreeMap::new(),
            source: None,
            strings: Default::default(),
            contract: Default::default(),
            drafts: BTreeSet::new(),
        };
        site.check_urls(diags);
        site.index_quotes(diags);
        site.find_source(diags);
        site
    }

    pub fn page(&self, i: usize) -> &Page {
        &self.pages[i]
    }

    /// The quote itself; for an excerpt, the quote that holds it.
    pub fn quote(&self, at: QuoteAt) -> &QuoteDecl {
        &self.pages[at.page].fm.quotes[at.index]
    }

    /// The words cited: the excerpt's when `at` is one, else the quote's.
    pub fn quote_text(&self, at: QuoteAt) -> &Spanned<String> {
        match at.excerpt {
            Some(e) => &self.pages[at.page].fm.excerpts[e].text,
            None => &self.quote(at).text,
        }
    }

    /// The id of the quote or excerpt at `at`.
    pub fn quote_id(&self, at: QuoteAt) -> &Spanned<String> {
        match at.excerpt {
            Some(e) => &self.pages[at.page].fm.excerpts[e].id,
            None => &self.quote(at).id,
        }
    }

    /// Who speaks: an excerpt has its quote's attribution. An unknown `kind` or a `via` that
    /// does not resolve (both reported by validation) fall back to a quotation without `via`.
    pub fn attribution(&self, at: QuoteAt) -> Attribution {
        let q = self.quote(at);
        let kind = if Some(at.page) == self.source {
            Kind::Passage
        } else if q.kind.as_ref().is_some_and(|k| k.get_ref() == "paraphrase") {
            Kind::Paraphrase
        } else {
            Kind::Quotation
        };
        let via = q
            .via
            .as_ref()
            .and_then(|v| self.resolve(v.get_ref()).ok())
            .map(|t| t.page);
        Attribution {
            kind,
            speaker: at.page,
            via,
        }
    }

    /// Child pages and child sections of a section, ordered by weight then title then path.
    pub fn children(&self, section: usize) -> (Vec<usize>, Vec<usize>) {
        let mut kids = self.kids[section].clone();
        kids.sort_by(|&a, &b| {
            let (pa, pb) = (&self.pages[a], &self.pages[b]);
            (pa.fm.weight, &pa.fm.title, &pa.rel).cmp(&(pb.fm.weight, &pb.fm.title, &pb.rel))
        });
        kids.into_iter().partition(|&i| !self.pages[i].is_section)
    }

    /// Resolves `@/path.md` or `@/path.md#fragment`; the error is a message with a suggestion.
    pub fn resolve(&self, reference: &str) -> Result<Target, String> {
        let Some(path) = reference.strip_prefix(REF_PREFIX) else {
            return Err(format!(
                "`{reference}` is not a reference: references start with `{REF_PREFIX}`, like `@/figures/name.md`"
            ));
        };
        let (path, fragment) = match path.split_once('#') {
            Some((p, f)) => (p, Some(f.to_string())),
            None => (path, None),
        };
        // `@/path`, sliced rather than formatted: every link of every page comes here.
        let key = &reference[..REF_PREFIX.len() + path.len()];
        match self.by_ref.get(key) {
            Some(&page) => Ok(Target { page, fragment }),
            None if self.drafts.contains(key) => Err(format!(
                "`{key}` is a draft (`draft = true` in content/{path}), and drafts are not published"
            )),
            None => {
                let pages = self.by_ref.keys().map(String::as_str);
                Err(format!(
                    "`{key}` does not exist: no file content/{path}{}",
                    did_you_mean_suffix(key, pages)
                ))
            }
        }
    }

    /// Every page's index by its reference `@/x.md`.
    pub fn refs(&self) -> &Arc<FxHashMap<String, usize>> {
        &self.by_ref
    }

    /// Parses `@/path.md`, `@/path.md#quote-id` or `@/path.md#anchor` into what it names.
    pub fn parse_ref(&self, reference: &str) -> Result<Ref, String> {
        let t = self.resolve(reference)?;
        Ok(match t.fragment {
            None => Ref::Page(t.page),
            Some(f) => match self.quotes.get(&f) {
                Some(at) if at.page == t.page => Ref::Quote(*at),
                _ => Ref::Anchor(t.page, f),
            },
        })
    }

    /// Where a reference lands, from the site root: the page's URL, plus the quote's anchor
    /// when the fragment names one of the page's quotes (`@/figures/a.md#jobs` →
    /// `figures/a.html#q-jobs`), or the fragment as written.
    pub fn href(&self, reference: &str) -> Result<String, String> {
        Ok(match self.parse_ref(reference)? {
            Ref::Page(p) => self.page(p).url.clone(),
            // A quote's card carries its anchor; an excerpt has no card, so it lands on its quote's.
            Ref::Quote(at) => format!(
                "{}#{}",
                self.page(at.page).url,
                quote_anchor(self.quote(at).id.get_ref())
            ),
            Ref::Anchor(p, f) => format!("{}#{f}", self.page(p).url),
        })
    }

    /// Resolves a quote reference `@/page.md#quote-id` to the declared quote.
    pub fn resolve_quote(&self, reference: &str) -> Result<QuoteAt, String> {
        let (page, id) = match self.parse_ref(reference)? {
            Ref::Quote(at) => return Ok(at),
            Ref::Page(p) => {
                return Err(format!(
                    "`{reference}` names a page, not a quote: add `#quote-id` (one of: {})",
                    quote_ids(self.page(p))
                ));
            }
            Ref::Anchor(p, id) => (self.page(p), id),
        };
        let ids = page_quote_ids(page);
        let mut msg = format!("{} has no quote with id `{id}`", page.reference());
        match crate::diagnostics::did_you_mean(&id, ids.iter().copied()) {
            Some(best) => msg.push_str(&format!("; did you mean `{best}`?")),
            None => msg.push_str(&format!(" (its quotes: {})", quote_ids(page))),
        }
        Err(msg)
    }

    fn check_urls(&self, diags: &mut Diagnostics) {
        let mut seen: HashMap<&str, &Page> = HashMap::new();
        for page in &self.pages {
            if let Some(slug) = &page.fm.slug
                && let Err(why) = valid_slug(slug)
            {
                diags.push(
                    page.error(
                        page.key_line(&["slug"]),
                        format!("invalid slug `{slug}`: {why}"),
                    )
                    .with_hint("use letters, digits, `-` and `_` only, like `slug = \"my-page\"`"),
                );
            }
            if let Some(other) = seen.insert(&page.url, page) {
                diags.push(
                    page.error(
                        1,
                        format!(
                            "writes the same output file `{}` as {}",
                            page.url,
                            other.shown.display()
                        ),
                    )
                    .with_hint("rename one of the files or give it another `slug`"),
                );
            }
        }
    }

    fn index_quotes(&mut self, diags: &mut Diagnostics) {
        for (p, page) in self.pages.iter().enumerate() {
            let quotes = page.fm.quotes.iter().enumerate().map(|(i, q)| {
                let at = QuoteAt {
                    page: p,
                    index: i,
                    excerpt: None,
                };
                (&q.id, Some(at))
            });
            let excerpts = page.fm.excerpts.iter().enumerate().map(|(e, x)| {
                let of = page.fm.quotes.iter().position(|q| q.id.get_ref() == x.of.get_ref());
                if of.is_none() {
                    let ids = page_quote_ids(page);
                    let d = page
                        .error(
                            page.toml_line(x.of.span().start),
                            format!(
                                "excerpt `{}` is `of` a quote `{}` that this page does not have",
                                x.id.get_ref(),
                                x.of.get_ref()
                            ),
                        )
                        .with_hint(format!(
                            "`of` names the id of the quote on this page that holds the excerpt (this page's quotes: {})",
                            quote_ids(page)
                        ));
                    diags.push(d.suggest(x.of.get_ref(), ids));
                }
                let at = of.map(|index| QuoteAt {
                    page: p,
                    index,
                    excerpt: Some(e),
                });
                (&x.id, at)
            });
            for (spanned, at) in quotes.chain(excerpts).collect::<Vec<_>>() {
                let line = || page.toml_line(spanned.span().start);
                let id = spanned.get_ref();
                if let Err(why) = valid_slug(id) {
                    diags.push(page.error(line(), format!("invalid quote id `{id}`: {why}"))
                        .with_hint("quote ids are lowercase words joined by `-`, like `id = \"our-kin\"`"));
                    continue;
                }
                if let Some(prev) = self.quotes.get(id) {
                    diags.push(page.error(line(), format!(
                        "quote id `{id}` is already used in {}",
                        self.pages[prev.page].shown.display()
                    )).with_hint("quote and excerpt ids must be unique across the site: they become anchors `#q-<id>`"));
                    continue;
                }
                if let Some(at) = at {
                    self.quotes.insert(id.clone(), at);
                }
            }
        }
    }

    fn find_source(&mut self, diags: &mut Diagnostics) {
        let sources: Vec<usize> = (0..self.pages.len())
            .filter(|&i| self.pages[i].fm.source)
            .collect();
        if let [first, rest @ ..] = sources.as_slice() {
            self.source = Some(*first);
            for &i in rest {
                let p = &self.pages[i];
                diags.push(
                    p.error(
                        p.key_line(&["source"]),
                        format!(
                            "a second source page: {} already has `source = true`",
                            self.pages[*first].shown.display()
                        ),
                    )
                    .with_hint(
                        "quotes are checked against one source text; remove `source = true` here",
                    ),
                );
            }
        }
    }
}

fn quote_ids(page: &Page) -> String {
    let ids = page_quote_ids(page);
    if ids.is_empty() {
        return "none".into();
    }
    ids.join(", ")
}

/// The ids of a page's quotes and excerpts, in order.
fn page_quote_ids(page: &Page) -> Vec<&str> {
    let quotes = page.fm.quotes.iter().map(|q| q.id.get_ref().as_str());
    let excerpts = page.fm.excerpts.iter().map(|x| x.id.get_ref().as_str());
    quotes.chain(excerpts).collect()
}

/// The memory a build may spend keeping files as read, so that rendering does not read them
/// again (reading a file costs about as much as rendering its Markdown).
pub const KEPT_BODIES_BYTES: usize = 64 << 20;

/// The bytes of files pages may still keep (shared by the parallel parse).
pub struct BodyBudget(AtomicUsize);

impl BodyBudget {
    pub fn new(bytes: usize) -> BodyBudget {
        BodyBudget(AtomicUsize::new(bytes))
    }

    /// The budget of a build of `files` content files: [`KEPT_BODIES_BYTES`] less what their
    /// parsed pages take. A small site is read once; a big one (100,000 pages take all of
    /// it) reads each body again as the page renders, so its memory stays what its front
    /// matter needs rather than growing with its text.
    pub fn for_build(files: usize) -> BodyBudget {
        let pages = files.saturating_mul(std::mem::size_of::<Page>());
        BodyBudget::new(KEPT_BODIES_BYTES.saturating_sub(pages))
    }

    /// Takes `n` bytes if that many are left.
    fn take(&self, n: usize) -> bool {
        self.0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(n)
            })
            .is_ok()
    }
}

/// What a content file holds: a page, or a draft, left out but named (its reference `@/…`),
/// so that a link to it can say it is a draft.
#[allow(clippy::large_enum_variant)] // boxing would cost an allocation per page
pub enum Parsed {
    Page(Page),
    Draft(String),
}

/// The pages of content files parsed in parallel, and the references of the drafts; failures
/// are reported in file order.
pub fn parse_pages(
    files: Vec<ContentFile>,
    keep: &BodyBudget,
    diags: &mut Diagnostics,
) -> (Vec<Page>, BTreeSet<String>) {
    let parsed: Vec<Result<Parsed, Diagnostic>> =
        files.into_par_iter().map(|f| parse_file(f, keep)).collect();
    let mut drafts = BTreeSet::new();
    // Collected in place (the same buffer): a second vector of pages would double what a
    // big site holds at this point.
    let pages = parsed
        .into_iter()
        .filter_map(|p| match p {
            Ok(Parsed::Page(page)) => Some(page),
            Ok(Parsed::Draft(reference)) => {
                drafts.insert(reference);
                None
            }
            Err(d) => {
                diags.push(d);
                None
            }
        })
        .collect();
    (pages, drafts)
}

/// Reads and parses one content file. A page's body stays in memory if it is the source page
/// or `keep` has room for it.
pub fn parse_file(file: ContentFile, keep: &BodyBudget) -> Result<Parsed, Diagnostic> {
    file.read().and_then(|text| parse_page(file, text, keep))
}

fn parse_page(file: ContentFile, text: String, keep: &BodyBudget) -> Result<Parsed, Diagnostic> {
    let split = frontmatter::split(&text)
        .map_err(|(line, msg, hint)| Diagnostic::error(&file.shown, line, msg).with_hint(hint))?;
    let shown = file.shown.to_string_lossy().into_owned();
    let fm = frontmatter::parse(&shown, &text, &split)?;
    if fm.draft {
        return Ok(Parsed::Draft(format!("{REF_PREFIX}{}", file.rel)));
    }
    let (head_len, toml_offset) = (split.body_offset, split.toml_offset);
    let is_section = file.rel.rsplit('/').next() == Some("_index.md");
    let url = url_for(
        &file.rel,
        fm.slug.as_deref().filter(|s| valid_slug(s).is_ok()),
    );
    let head_hash = hash_of(&text[..head_len]);
    let body_line = line_col(&text, head_len).0;
    let kept = (fm.source || keep.take(text.len())).then_some(text);
    Ok(Parsed::Page(Page {
        rel: file.rel,
        shown: file.shown,
        abs: file.abs,
        kept,
        head_len,
        head_hash,
        body_line,
        fm,
        toml_offset,
        url,
        is_section,
        parent: None,
    }))
}

/// A hash of a page's front matter text (the same in every build: `DefaultHasher::new`
/// has fixed keys).
fn hash_of(head: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    h.write(head.as_bytes());
    h.finish()
}

/// Each page's parent is the `_index.md` of its own folder (for a section: of the folder
/// above), or of the nearest folder above that has one.
fn link_parents(pages: &mut [Page]) {
    let sections: HashMap<String, usize> = pages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_section)
        .map(|(i, p)| (p.dir().to_string(), i))
        .collect();
    for page in pages.iter_mut() {
        page.parent = enclosing_section(page, &sections);
    }
}

fn enclosing_section(page: &Page, sections: &HashMap<String, usize>) -> Option<usize> {
    let mut dir = page.dir().to_string();
    if page.is_section {
        if dir.is_empty() {
            return None; // the home page has no parent
        }
        dir = parent_dir(&dir);
    }
    loop {
        if let Some(&s) = sections.get(&dir) {
            return Some(s);
        }
        if dir.is_empty() {
            return None;
        }
        dir = parent_dir(&dir);
    }
}

fn parent_dir(dir: &str) -> String {
    dir.rsplit_once('/')
        .map_or(String::new(), |(d, _)| d.to_string())
}

/// `figures/velayati.md` → `figures/velayati.html`; `figures/_index.md` → `figures/index.html`.
pub fn url_for(rel: &str, slug: Option<&str>) -> String {
    let (dir, file) = rel.rsplit_once('/').unwrap_or(("", rel));
    let stem = file.strip_suffix(".md").unwrap_or(file);
    let name = if stem == "_index" {
        "index"
    } else {
        slug.unwrap_or(stem)
    };
    if dir.is_empty() {
        format!("{name}.html")
    } else {
        format!("{dir}/{name}.html")
    }
}

/// The relative way from a page at `url` back to the site root: "" or "../" per folder.
pub fn root_prefix(url: &str) -> String {
    "../".repeat(url.matches('/').count())
}

/// A slug or id must be one safe path segment: no `/`, no `..`, nothing hidden.
pub fn valid_slug(s: &str) -> Result<(), &'static str> {
    if s.is_empty() {
        return Err("it is empty");
    }
    if s.starts_with('.') {
        return Err("it starts with `.` (hidden files and `..` could escape the output folder)");
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err("it may only contain letters, digits, `-`, `_` and `.` (no `/`)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_flat_html_files() {
        assert_eq!(url_for("_index.md", None), "index.html");
        assert_eq!(url_for("article.md", None), "article.html");
        assert_eq!(url_for("figures/_index.md", None), "figures/index.html");
        assert_eq!(url_for("figures/velayati.md", Some("v")), "figures/v.html");
    }

    #[test]
    fn root_prefix_climbs_one_level_per_folder() {
        assert_eq!(root_prefix("index.html"), "");
        assert_eq!(root_prefix("figures/a.html"), "../");
        assert_eq!(root_prefix("a/b/c.html"), "../../");
    }

    #[test]
    fn slugs_cannot_escape() {
        assert!(valid_slug("ok-slug_1").is_ok());
        assert!(valid_slug("../etc").is_err());
        assert!(valid_slug("a/b").is_err());
        assert!(valid_slug("/abs").is_err());
        assert!(valid_slug("").is_err());
    }

    /// Writes `text` to `dir/rel` and names it as the loader would.
    fn file(dir: &tempfile::TempDir, rel: &str, text: &str) -> ContentFile {
        let abs = dir.path().join(rel);
        std::fs::create_dir_all(abs.parent().unwrap()).unwrap();
        std::fs::write(&abs, text).unwrap();
        ContentFile {
            rel: rel.into(),
            shown: PathBuf::from("content").join(rel),
            abs,
        }
    }

    #[test]
    fn bodies_are_read_when_needed_and_must_match_the_parsed_front_matter() {
        let config = crate::config::parse("title = \"t\"").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let page = file(&dir, "a.md", "+++\ntitle = \"A\"\n+++\nFirst body.\n");
        let source = file(
            &dir,
            "s.md",
            "+++\ntitle = \"S\"\nsource = true\n+++\nText.\n",
        );
        let mut d = Diagnostics::default();
        let site = Site::build(config, vec![page.clone(), source], &mut d);
        let (a, s) = (site.page(0), site.page(1));
        assert_eq!(s.kept_body(), Some("Text.\n"), "the source keeps its body");
        assert_eq!(a.kept_body(), None, "other bodies stay on disk");
        assert_eq!(
            (a.line_of("A"), a.key_line(&["title"]), s.line_of("source")),
            (2, 2, 3),
            "lines in front matter read again from the file, or kept"
        );
        std::fs::write(&page.abs, "+++\ntitle = \"A\"\n+++\nSecond body.\n").unwrap();
        assert_eq!(
            a.body().unwrap(),
            "Second body.\n",
            "an edited body is read as it is now"
        );
        assert_eq!(a.body_line("Second body.\n", 0), 4);
        std::fs::write(&page.abs, "+++\ntitle = \"B\"\n+++\nSecond body.\n").unwrap();
        assert_eq!(a.line_of("A"), 1, "a changed front matter places nothing");
        let err = a.body().unwrap_err();
        assert!(
            err.message.contains("changed while lede was reading it"),
            "{err:?}"
        );
    }

    #[test]
    fn bodies_are_kept_while_the_budget_lasts() {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<ContentFile> = ["a", "b", "c"]
            .iter()
            .map(|n| {
                file(
                    &dir,
                    &format!("{n}.md"),
                    "+++\ntitle = \"T\"\n+++\n0123456789\n",
                )
            })
            .collect();
        let mut d = Diagnostics::default();
        // Room for two files of 31 bytes, not three.
        let (pages, _) = parse_pages(files.clone(), &BodyBudget::new(70), &mut d);
        let kept = pages.iter().filter(|p| p.kept_body().is_some()).count();
        assert_eq!(kept, 2, "two bodies fit in the budget");
        for (p, f) in pages.iter().zip(&files) {
            assert_eq!(
                p.body().unwrap(),
                "0123456789\n",
                "kept or read again, the same body"
            );
            std::fs::write(&f.abs, "+++\ntitle = \"T\"\n+++\nedited\n").unwrap();
        }
        assert!(
            pages
                .iter()
                .filter(|p| p.kept_body().is_some())
                .all(|p| p.body().unwrap() == "0123456789\n"),
            "a kept body is the one parsed with the front matter"
        );
        let small = BodyBudget::for_build(10).0.into_inner();
        let big = BodyBudget::for_build(1_000_000).0.into_inner();
        assert!(small > 60 << 20, "a small site keeps its bodies: {small}");
        assert_eq!(big, 0, "a very big site keeps none");
    }

    #[test]
    fn sections_own_the_pages_below_them() {
        let config = crate::config::parse("title = \"t\"").unwrap();
        let mut d = Diagnostics::default();
        let dir = tempfile::tempdir().unwrap();
        let site = Site::build(
            config,
            vec![
                file(&dir, "_index.md", "+++\ntitle = \"Home\"\n+++\n"),
                file(&dir, "a/_index.md", "+++\ntitle = \"A\"\n+++\n"),
                file(&dir, "a/x.md", "+++\ntitle = \"X\"\nweight = 2\n+++\n"),
                file(&dir, "a/y.md", "+++\ntitle = \"Y\"\nweight = 1\n+++\n"),
                file(&dir, "a/b/z.md", "+++\ntitle = \"Z\"\n+++\n"),
                file(&dir, "d.md", "+++\ntitle = \"Draft\"\ndraft = true\n+++\n"),
            ],
            &mut d,
        );
        assert!(d.is_empty(), "{d:?}");
        let a = site.resolve("@/a/_index.md").unwrap().page;
        let (pages, subs) = site.children(a);
        let titles: Vec<&str> = pages
            .iter()
            .map(|&i| site.page(i).fm.title.as_str())
            .collect();
        assert_eq!(titles, ["Z", "Y", "X"], "weight 0 first, then by weight");
        assert!(subs.is_empty());
        assert!(site.resolve("@/d.md").is_err(), "drafts are left out");
        assert!(site.resolve("@/a/y.md#frag").unwrap().fragment.as_deref() == Some("frag"));
        assert!(
            site.resolve("@/a/yy.md")
                .unwrap_err()
                .contains("did you mean `@/a/y.md`")
        );
    }
}
