//! What templates see: every page, quote and comparison turned into template values once,
//! before rendering, so each page render only clones cheap reference-counted values. Values
//! are built directly (not through serde). A page's values are kept as a row of fields, and
//! the map templates see (`page`, an entry of `section.pages`, `get_page`) is made from them
//! when asked: a map costs four times its fields, and a site of 100,000 pages would hold one
//! per page for the whole build.

use std::cell::RefCell;
use std::sync::{Arc, LazyLock, OnceLock};

use rustc_hash::FxHashMap as HashMap;

use rayon::prelude::*;
use tera::{Map, Value};

use crate::diagnostics::did_you_mean_suffix;
use crate::frontmatter::{CompareDecl, RowDecl};
use crate::labels;
use crate::site::{Kind, Page, QuoteAt, Site, quote_anchor};
use crate::validate::row_id;

/// The keys of a page's map, in order; a section's `pages` and `subsections` come last.
const FIELDS: [&str; 17] = [
    "ref",
    "slug",
    "url",
    "title",
    "description",
    "weight",
    "date",
    "extra",
    "quotes",
    "excerpts",
    "mentions",
    "is_section",
    "is_source",
    "backlinks",
    "updated",
    "updates",
    "relays",
];
const URL: usize = 2;

thread_local! {
    /// Empty page maps by the keys after [`FIELDS`] (a handful of shapes in all): a clone
    /// copies the hash table as it is, so filling one hashes no key, and making a page's
    /// map hashes its keys once (in `Value::from`, which builds Tera's own) rather than twice.
    static SHAPES: RefCell<Vec<(Vec<&'static str>, Map)>> = const { RefCell::new(Vec::new()) };
}

/// An empty page map with the keys of [`FIELDS`] then `tail`, in order.
fn shape(shapes: &mut Vec<(Vec<&'static str>, Map)>, tail: &[&'static str]) -> Map {
    if let Some((_, m)) = shapes.iter().find(|(keys, _)| keys == tail) {
        return m.clone();
    }
    let mut m = Map::with_capacity(FIELDS.len() + tail.len());
    for k in FIELDS.iter().chain(tail) {
        m.insert((*k).into(), Value::none());
    }
    assert_eq!(
        m.len(),
        FIELDS.len() + tail.len(),
        "a page map's keys are distinct"
    );
    shapes.push((tail.to_vec(), m.clone()));
    m
}

/// One page's values, in [`FIELDS`] order.
type Fields = [Value; FIELDS.len()];

/// Template values for the whole site, shared by every page render.
pub struct Model {
    /// Per page, its fields.
    fields: Vec<Fields>,
    /// Per section page: its pages and subsections, in order.
    children: HashMap<usize, (Vec<usize>, Vec<usize>)>,
    /// Page index by reference `@/x.md`, for `get_page` (the site's own index).
    by_ref: Arc<HashMap<String, usize>>,
    /// Per section page, its value as `get_section` gives it, made on the first call: a
    /// template may ask every page of a section for the section (a glossary term for its
    /// glossary), which would otherwise make every child's map once per page.
    sections: HashMap<usize, OnceLock<Value>>,
    /// By quote reference `@/x.md#id`.
    pub quotes: HashMap<String, Value>,
    /// By page index: the resolved `[compare]` table.
    pub compares: HashMap<usize, Value>,
}

impl Model {
    pub fn new(site: &Site) -> Model {
        let backlinks = backlinks(site);
        let relays = relays(site);
        let fields: Vec<Fields> = site
            .pages
            .par_iter()
            .enumerate()
            .map(|(i, p)| {
                let relayed = relays.get(&i).map_or(&[][..], Vec::as_slice);
                page_fields(site, i, p, backlinks.get(&i), relayed)
            })
            .collect();
        let children: HashMap<usize, (Vec<usize>, Vec<usize>)> = (0..site.pages.len())
            .filter(|&i| site.page(i).is_section)
            .map(|i| (i, site.children(i)))
            .collect();
        let by_ref = Arc::clone(site.refs());
        let sections = children.keys().map(|&i| (i, OnceLock::new())).collect();
        let quotes: HashMap<String, Value> = site
            .quotes
            .values()
            .map(|at| (quote_ref(site, *at), quote_value(site, *at)))
            .collect();
        let mut model = Model {
            fields,
            children,
            by_ref,
            sections,
            quotes,
            compares: HashMap::default(),
        };
        model.compares = site
            .pages
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let c = p.fm.compare.as_ref()?;
                Some((i, compare_value(site, c, &model)))
            })
            .collect();
        model
    }

    /// Page `i` as templates see it: its fields, then on a section its `pages` and
    /// `subsections` (each a page without those lists filled), then `more`.
    pub fn page(&self, i: usize, more: &[(&'static str, Value)]) -> Value {
        let (pages, subsections) = match self.children.get(&i) {
            Some((p, s)) => (self.list_of(p), self.list_of(s)),
            None => (EMPTY_LIST.clone(), EMPTY_LIST.clone()),
        };
        let tail = [("pages", pages), ("subsections", subsections)];
        self.map_of(i, tail.into_iter().chain(more.iter().cloned()))
    }

    /// Page `i` without its children: how lists (a section's pages, a comparison's
    /// columns) show a page.
    fn shallow(&self, i: usize, more: &[(&'static str, Value)]) -> Value {
        let tail = [
            ("pages", EMPTY_LIST.clone()),
            ("subsections", EMPTY_LIST.clone()),
        ];
        let tail = tail.into_iter().filter(|_| !self.children.contains_key(&i));
        self.map_of(i, tail.chain(more.iter().cloned()))
    }

    fn map_of(&self, i: usize, tail: impl Iterator<Item = (&'static str, Value)>) -> Value {
        let (keys, tail): (Vec<&'static str>, Vec<Value>) = tail.unzip();
        let mut m = SHAPES.with(|shapes| shape(&mut shapes.borrow_mut(), &keys));
        let values = self.fields[i].iter().cloned().chain(tail);
        for (slot, v) in m.values_mut().zip(values) {
            *slot = v;
        }
        Value::from(m)
    }

    fn list_of(&self, pages: &[usize]) -> Value {
        list(pages.iter().map(|&c| self.shallow(c, &[])))
    }

    /// The page `@/x.md` as `get_page` gives it.
    pub fn by_ref(&self, reference: &str) -> Option<Value> {
        let &i = self.by_ref.get(reference)?;
        Some(match self.sections.get(&i) {
            Some(value) => value.get_or_init(|| self.page(i, &[])).clone(),
            None => self.page(i, &[]),
        })
    }

    /// Every page reference, for "did you mean".
    pub fn refs(&self) -> impl Iterator<Item = &str> {
        self.by_ref.keys().map(String::as_str)
    }

    /// Whether page `i` looks the same to templates in both models (same fields, and on a
    /// section the same children, each with the same fields).
    pub fn same_page(&self, other: &Model, i: usize) -> bool {
        let same = |j: usize| self.fields.get(j) == other.fields.get(j);
        same(i)
            && self.children.get(&i) == other.children.get(&i)
            && self
                .children
                .get(&i)
                .is_none_or(|(p, s)| p.iter().chain(s).all(|&c| same(c)))
    }

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
            Some(&i) => Ok(format!(
                "{}{fragment}",
                self.fields[i][URL].as_str().unwrap_or_default()
            )),
            None => Err(format!(
                "`{path}` does not exist{}",
                did_you_mean_suffix(path, self.refs())
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

/// Most lists of a page are empty (no quotes, no backlinks, …): they all share one value, so
/// a big site's model does not hold an allocation for each.
static EMPTY_LIST: LazyLock<Value> = LazyLock::new(|| Value::from(Vec::<Value>::new()));
static EMPTY_MAP: LazyLock<Value> = LazyLock::new(|| Value::from(Map::new()));

fn list(items: impl IntoIterator<Item = Value>) -> Value {
    let items: Vec<Value> = items.into_iter().collect();
    match items.is_empty() {
        true => EMPTY_LIST.clone(),
        false => Value::from(items),
    }
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
    if t.is_empty() {
        return EMPTY_MAP.clone();
    }
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

/// For each figure, the quotes of others the article has through them (`via`), in page
/// order.
fn relays(site: &Site) -> HashMap<usize, Vec<QuoteAt>> {
    let mut out: HashMap<usize, Vec<QuoteAt>> = HashMap::default();
    for at in site.quotes.values().filter(|at| at.excerpt.is_none()) {
        if let Some(via) = site.attribution(*at).via {
            out.entry(via).or_default().push(*at);
        }
    }
    for list in out.values_mut() {
        list.sort_by_key(|at| (at.page, at.index));
    }
    out
}

fn page_fields(
    site: &Site,
    i: usize,
    p: &Page,
    backlinks: Option<&Vec<Value>>,
    relayed: &[QuoteAt],
) -> Fields {
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
    let mentions =
        p.fm.mentions
            .iter()
            .map(|m| Value::from(m.get_ref().as_str()));
    let updates = crate::updates::of_page(site, i);
    let updated = updates.first().map_or("", |u| u.day.as_str());
    let update_values = updates.iter().map(|u| {
        map([
            ("date", Value::from(u.day.as_str())),
            ("is_correction", Value::from(u.correction)),
            ("note", Value::from(u.note)),
            ("anchor", Value::from(u.anchor.as_str())),
        ])
    });
    // In FIELDS order.
    [
        Value::from(p.reference()),
        Value::from(p.slug()),
        Value::from(p.url.as_str()),
        Value::from(p.fm.title.as_str()),
        Value::from(p.fm.description.as_str()),
        Value::from(p.fm.weight),
        Value::from(p.fm.date.0.as_str()),
        toml_table(&p.fm.extra),
        list(quotes),
        list(excerpts),
        list(mentions),
        Value::from(p.is_section),
        Value::from(p.fm.source),
        list(backlinks.cloned().unwrap_or_default()),
        Value::from(updated),
        list(update_values),
        list(relayed.iter().map(|at| quote_value(site, *at))),
    ]
}

/// A section's value adds its children; any other page's is its summary as it is (which
/// already carries empty `pages` and `subsections`), shared rather than copied.
fn compare_value(site: &Site, c: &CompareDecl, model: &Model) -> Value {
    let page_of = |r: &str| site.resolve(r).ok().map(|t| t.page);
    let columns: Vec<(String, Value)> = c
        .columns
        .iter()
        .filter_map(|col| page_of(col.get_ref()))
        .map(|p| {
            let key = site.page(p).slug().to_string();
            let v = model.shallow(p, &[("key", Value::from(key.as_str()))]);
            (key, v)
        })
        .collect();
    let quote = |r: &str| {
        let at = site.resolve_quote(r).ok()?;
        model.quotes.get(&quote_ref(site, at)).cloned()
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
            .map(|p| model.shallow(p, &[]));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Diagnostics;
    use crate::load::ContentFile;

    fn site(files: &[(&str, &str)]) -> (tempfile::TempDir, Site) {
        let dir = tempfile::tempdir().unwrap();
        let files = files
            .iter()
            .map(|(rel, text)| {
                let abs = dir.path().join(rel);
                std::fs::create_dir_all(abs.parent().unwrap()).unwrap();
                std::fs::write(&abs, text).unwrap();
                ContentFile {
                    rel: rel.to_string(),
                    shown: std::path::Path::new("content").join(rel),
                    abs,
                }
            })
            .collect();
        let config = crate::config::parse("title = \"t\"").unwrap();
        let site = Site::build(config, files, &mut Diagnostics::default());
        (dir, site)
    }

    #[test]
    fn a_page_map_has_every_field_and_a_section_its_children() {
        let (_dir, site) = site(&[
            ("terms/_index.md", "+++\ntitle = \"Terms\"\n+++\n"),
            ("terms/a.md", "+++\ntitle = \"A\"\nweight = 2\n+++\n"),
            ("terms/b.md", "+++\ntitle = \"B\"\nweight = 1\n+++\n"),
        ]);
        let model = Model::new(&site);
        let section = model.by_ref("@/terms/_index.md").unwrap();
        let keys: Vec<String> = section
            .as_map()
            .unwrap()
            .keys()
            .map(|k| k.to_string())
            .collect();
        let want: Vec<&str> = FIELDS
            .iter()
            .chain(&["pages", "subsections"])
            .copied()
            .collect();
        assert_eq!(keys, want, "the fields in order, then the children");
        let pages = section
            .as_map()
            .unwrap()
            .get(&tera::value::Key::Str("pages"))
            .unwrap();
        let titles: Vec<String> = pages
            .as_array()
            .unwrap()
            .iter()
            .map(|p| field(p, "title").to_string())
            .collect();
        assert_eq!(titles, ["B", "A"], "children by weight");
        let page = model.page(1, &[("content", Value::from("<p>x</p>"))]);
        assert_eq!(
            (field(&page, "title"), field(&page, "content")),
            ("A", "<p>x</p>")
        );
    }

    #[test]
    fn get_section_makes_a_section_once() {
        let (_dir, site) = site(&[
            ("terms/_index.md", "+++\ntitle = \"Terms\"\n+++\n"),
            ("terms/a.md", "+++\ntitle = \"A\"\n+++\n"),
        ]);
        let model = Model::new(&site);
        let (first, again) = (
            model.by_ref("@/terms/_index.md").unwrap(),
            model.by_ref("@/terms/_index.md").unwrap(),
        );
        // A template asking every term page for its glossary must not remake every term's
        // map each time: the second call hands out the same map.
        assert!(std::ptr::eq(
            first.as_map().unwrap(),
            again.as_map().unwrap()
        ));
    }
}
