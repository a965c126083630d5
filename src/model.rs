//! What templates see: every page, quote and comparison turned into template values once,
//! before rendering, so each page render only clones cheap reference-counted values. Values
//! are built directly (not through serde): a section's list of pages shares its pages'
//! values instead of copying them, which keeps the model linear in the size of the site.

use rustc_hash::FxHashMap as HashMap;

use rayon::prelude::*;
use tera::{Map, Value};

use crate::diagnostics::did_you_mean_suffix;
use crate::frontmatter::{CompareDecl, RowDecl};
use crate::labels;
use crate::site::{Kind, Page, QuoteAt, Site, quote_anchor};
use crate::validate::row_id;

/// Template values for the whole site, shared by every page render.
pub struct Model {
    /// Per page: summary with `pages`/`subsections` filled on sections.
    pub pages: Vec<Value>,
    /// By reference `@/x.md`: the same values, for `get_page`.
    pub by_ref: HashMap<String, Value>,
    /// By quote reference `@/x.md#id`.
    pub quotes: HashMap<String, Value>,
    /// By page index: the resolved `[compare]` table.
    pub compares: HashMap<usize, Value>,
}

impl Model {
    pub fn new(site: &Site) -> Model {
        let backlinks = backlinks(site);
        let shallow: Vec<Value> = site
            .pages
            .par_iter()
            .enumerate()
            .map(|(i, p)| shallow_value(site, i, p, backlinks.get(&i)))
            .collect();
        let pages: Vec<Value> = (0..site.pages.len())
            .into_par_iter()
            .map(|i| full_value(site, i, &shallow))
            .collect();
        let by_ref = site
            .pages
            .iter()
            .zip(&pages)
            .map(|(p, v)| (p.reference(), v.clone()))
            .collect();
        let quotes: HashMap<String, Value> = site
            .quotes
            .values()
            .map(|at| (quote_ref(site, *at), quote_value(site, *at)))
            .collect();
        let compares = site
            .pages
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let c = p.fm.compare.as_ref()?;
                Some((i, compare_value(site, c, &shallow, &quotes)))
            })
            .collect();
        Model {
            pages,
            by_ref,
            quotes,
            compares,
        }
    }
}

impl Model {
    /// Where `@/path.md` or `@/path.md#fragment` lands, from the site root, read off the
    /// values already built: a quote reference gives its quote's `page_url` (as
    /// [`Site::href`] would), any other the page's `url` and the fragment as written.
    pub fn url_of(&self, reference: &str) -> Result<String, String> {
        if let Some(quote) = self.quotes.get(reference) {
            return Ok(field(quote, "page_url").to_string());
        }
        let (path, fragment) = match reference.split_once('#') {
            Some((p, f)) => (p, format!("#{f}")),
            None => (reference, String::new()),
        };
        match self.by_ref.get(path) {
            Some(page) => Ok(format!("{}{fragment}", field(page, "url"))),
            None => Err(format!(
                "`{path}` does not exist{}",
                did_you_mean_suffix(path, self.by_ref.keys().map(String::as_str))
            )),
        }
    }
}

/// A string field of a template map ("" if absent).
fn field<'a>(value: &'a Value, key: &'static str) -> &'a str {
    value
        .as_map()
        .and_then(|m| m.get(&tera::value::Key::Str(key)))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// A template map from `(key, value)` pairs, in order.
fn map<const N: usize>(entries: [(&'static str, Value); N]) -> Value {
    let mut m = Map::with_capacity(N);
    for (k, v) in entries {
        m.insert(k.into(), v);
    }
    Value::from(m)
}

/// `value` with more entries (maps are shared, so this copies the top level only).
fn with(value: &Value, entries: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    let mut m = value.as_map().cloned().unwrap_or_default();
    for (k, v) in entries {
        m.insert(k.into(), v);
    }
    Value::from(m)
}

fn list(items: impl IntoIterator<Item = Value>) -> Value {
    Value::from(items.into_iter().collect::<Vec<Value>>())
}

/// Front matter `[extra]` as template values; dates become their TOML text.
fn toml_value(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::from(s.as_str()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => Value::from(*f),
        toml::Value::Boolean(b) => Value::from(*b),
        toml::Value::Datetime(d) => Value::from(d.to_string()),
        toml::Value::Array(a) => list(a.iter().map(toml_value)),
        toml::Value::Table(t) => toml_table(t),
    }
}

fn toml_table(t: &toml::Table) -> Value {
    let mut m = Map::with_capacity(t.len());
    for (k, v) in t {
        m.insert(k.clone().into(), toml_value(v));
    }
    Value::from(m)
}

pub fn quote_ref(site: &Site, at: QuoteAt) -> String {
    format!(
        "{}#{}",
        site.page(at.page).reference(),
        site.quote_id(at).get_ref()
    )
}

/// A person as templates see them in a quote: name, page and reference.
fn person(site: &Site, page: usize) -> Value {
    let p = site.page(page);
    map([
        ("title", Value::from(p.fm.title.as_str())),
        ("url", Value::from(p.url.as_str())),
        ("ref", Value::from(p.reference())),
    ])
}

fn quote_value(site: &Site, at: QuoteAt) -> Value {
    let id = site.quote_id(at).get_ref();
    let text = site.quote_text(at).get_ref();
    let attr = site.attribution(at);
    let of = at.excerpt.map(|_| site.quote(at).id.get_ref().as_str());
    let source_url = site.source.map_or(String::new(), |s| {
        format!("{}#{}", site.page(s).url, quote_anchor(id))
    });
    map([
        ("id", Value::from(id.as_str())),
        ("ref", Value::from(quote_ref(site, at))),
        ("text", Value::from(text.trim())),
        // A quote may span paragraphs; templates render each as its own <p>.
        ("paragraphs", list(paragraphs(text).map(Value::from))),
        // quotation | paraphrase | passage; an excerpt has its quote's.
        ("kind", Value::from(attr.kind.name())),
        ("kind_name", Value::from(labels::kind_name(site, attr.kind))),
        ("label", Value::from(labels::label_text(site, attr))),
        ("is_excerpt", Value::from(of.is_some())),
        ("of", of.map_or(Value::none(), Value::from)),
        ("note", Value::from(site.quote(at).note.as_str())),
        ("anchor", Value::from(quote_anchor(id))),
        ("source_url", Value::from(source_url)),
        (
            "page_url",
            Value::from(site.href(&quote_ref(site, at)).unwrap_or_default()),
        ),
        ("is_passage", Value::from(attr.kind == Kind::Passage)),
        ("speaker", person(site, attr.speaker)),
        ("via", attr.via.map_or(Value::none(), |v| person(site, v))),
    ])
}

fn paragraphs(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
}

fn shallow_value(site: &Site, i: usize, p: &Page, backlinks: Option<&Vec<Value>>) -> Value {
    let quotes = (0..p.fm.quotes.len()).map(|index| {
        let at = QuoteAt {
            page: i,
            index,
            excerpt: None,
        };
        quote_value(site, at)
    });
    let excerpts = p.fm.excerpts.iter().filter_map(|x| {
        let at = site.quotes.get(x.id.get_ref())?;
        (at.page == i).then(|| quote_value(site, *at))
    });
    let mut m = Map::with_capacity(17);
    let mut put = |k: &'static str, v: Value| {
        m.insert(k.into(), v);
    };
    put("ref", Value::from(p.reference()));
    put("slug", Value::from(p.slug()));
    put("url", Value::from(p.url.as_str()));
    put("title", Value::from(p.fm.title.as_str()));
    put("description", Value::from(p.fm.description.as_str()));
    put("weight", Value::from(p.fm.weight));
    put("date", Value::from(p.fm.date.0.as_str()));
    put("extra", toml_table(&p.fm.extra));
    put("quotes", list(quotes));
    put("excerpts", list(excerpts));
    let mentions =
        p.fm.mentions
            .iter()
            .map(|m| Value::from(m.get_ref().as_str()));
    put("mentions", list(mentions));
    put("is_section", Value::from(p.is_section));
    put("is_source", Value::from(p.fm.source));
    put("backlinks", list(backlinks.cloned().unwrap_or_default()));
    let updates = crate::updates::of_page(site, i);
    put(
        "updated",
        Value::from(updates.first().map_or("", |u| u.day.as_str())),
    );
    put(
        "updates",
        list(updates.iter().map(|u| {
            map([
                ("date", Value::from(u.day.as_str())),
                ("is_correction", Value::from(u.correction)),
                ("note", Value::from(u.note)),
                ("anchor", Value::from(u.anchor.as_str())),
            ])
        })),
    );
    if !p.is_section {
        // A section gets its children in `full_value`.
        put("pages", list([]));
        put("subsections", list([]));
    }
    Value::from(m)
}

/// A section's value adds its children; any other page's is its summary as it is (which
/// already carries empty `pages` and `subsections`), shared rather than copied.
fn full_value(site: &Site, i: usize, shallow: &[Value]) -> Value {
    if !site.page(i).is_section {
        return shallow[i].clone();
    }
    let (pages, subsections) = site.children(i);
    with(
        &shallow[i],
        [
            ("pages", list(pages.iter().map(|&c| shallow[c].clone()))),
            (
                "subsections",
                list(subsections.iter().map(|&c| shallow[c].clone())),
            ),
        ],
    )
}

fn compare_value(
    site: &Site,
    c: &CompareDecl,
    shallow: &[Value],
    quotes: &HashMap<String, Value>,
) -> Value {
    let page_of = |r: &str| site.resolve(r).ok().map(|t| t.page);
    let columns: Vec<(String, Value)> = c
        .columns
        .iter()
        .filter_map(|col| page_of(col.get_ref()))
        .map(|p| {
            let key = site.page(p).slug().to_string();
            let v = with(&shallow[p], [("key", Value::from(key.as_str()))]);
            (key, v)
        })
        .collect();
    let quote = |r: &str| {
        let at = site.resolve_quote(r).ok()?;
        quotes.get(&quote_ref(site, at)).cloned()
    };
    let rows = c.rows.iter().map(|row| {
        let cells = columns.iter().map(|(key, column)| {
            let cell = row.cells.get(key);
            let backing: Vec<Value> = cell
                .map(|c| {
                    c.backing
                        .iter()
                        .filter_map(|b| quote(b.get_ref()))
                        .collect()
                })
                .unwrap_or_default();
            map([
                ("key", Value::from(key.as_str())),
                ("column", column.clone()),
                ("silent", Value::from(cell.is_none_or(|c| c.silent))),
                (
                    "summary",
                    Value::from(cell.map_or("", |c| c.summary.as_str())),
                ),
                ("backing", Value::from(backing)),
            ])
        });
        let voices = row_voices(site, c, row)
            .into_iter()
            .map(|p| shallow[p].clone());
        map([
            (
                "id",
                Value::from(row_id(row.id.as_deref(), row.topic.get_ref())),
            ),
            ("topic", Value::from(row.topic.get_ref().as_str())),
            ("voices", list(voices)),
            ("cells", list(cells)),
        ])
    });
    let rows = list(rows);
    map([
        ("columns", list(columns.into_iter().map(|(_, v)| v))),
        ("rows", rows),
    ])
}

/// A row's voices: the people whose words or views back its cells (each quote's speaker and
/// the figure reporting them), in order of first appearance; the article's own passages have
/// no voice.
pub fn row_voices(site: &Site, compare: &CompareDecl, row: &RowDecl) -> Vec<usize> {
    let mut voices = Vec::new();
    // Cells in column order (they are keyed by the column page's slug).
    let cells = compare
        .columns
        .iter()
        .filter_map(|c| site.resolve(c.get_ref()).ok())
        .filter_map(|t| row.cells.get(site.page(t.page).slug()));
    let backing = cells.flat_map(|c| &c.backing);
    for at in backing.filter_map(|b| site.resolve_quote(b.get_ref()).ok()) {
        let attr = site.attribution(at);
        if attr.kind == Kind::Passage {
            continue;
        }
        for p in attr.via.into_iter().chain([attr.speaker]) {
            if !voices.contains(&p) {
                voices.push(p);
            }
        }
    }
    voices
}

/// The `@/` targets of the links in a Markdown text.
fn markdown_refs(text: &str) -> Vec<String> {
    text.match_indices("](@/")
        .filter_map(|(i, _)| {
            let rest = &text[i + 2..];
            rest.find(')').map(|end| rest[..end].to_string())
        })
        .collect()
}

/// For each page, the places that point at it: comparison rows (through a backing quote's
/// speaker or reporter, or a link in a summary) and pages whose `[extra]` references it.
fn backlinks(site: &Site) -> HashMap<usize, Vec<Value>> {
    let mut links: HashMap<usize, Vec<(String, String)>> = HashMap::default();
    let mut add = |to: usize, title: String, url: String| {
        let list = links.entry(to).or_default();
        if !list.iter().any(|(_, u)| *u == url) {
            list.push((title, url));
        }
    };
    for (i, page) in site.pages.iter().enumerate() {
        if let Some(c) = &page.fm.compare {
            for row in &c.rows {
                let url = format!(
                    "{}#{}",
                    page.url,
                    row_id(row.id.as_deref(), row.topic.get_ref())
                );
                let title = format!("{}: {}", page.fm.title, row.topic.get_ref());
                let linked = row
                    .cells
                    .values()
                    .flat_map(|c| markdown_refs(&c.summary))
                    .filter_map(|r| site.resolve(&r).ok().map(|t| t.page));
                let named: Vec<usize> =
                    row_voices(site, c, row).into_iter().chain(linked).collect();
                for to in named {
                    add(to, title.clone(), url.clone());
                }
            }
        }
        for r in page.extra_refs() {
            if let Ok(t) = site.resolve(&r)
                && t.page != i
            {
                add(t.page, page.fm.title.clone(), page.url.clone());
            }
        }
    }
    links
        .into_iter()
        .map(|(k, v)| {
            (
                k,
                v.into_iter()
                    .map(|(title, url)| map([("title", title.into()), ("url", url.into())]))
                    .collect(),
            )
        })
        .collect()
}
