//! Stage 4: templates. Parses `templates/` once, then renders every page through its template
//! in parallel. Template errors carry the template's file, line and column (Tera 2 spans).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use tera::{Context, ErrorKind, Kwargs, State, Tera, Value};

use crate::annotate::SourceMarks;
use crate::config::Config;
use crate::deps::{self, Read};
use crate::diagnostics::{Diagnostic, Diagnostics, did_you_mean_suffix};
use crate::labels;
use crate::load::{TEMPLATES_DIR, TextFile};
use crate::markdown;
use crate::model::Model;
use crate::site::Kind;
use crate::site::{Page, Site, root_prefix};
use crate::theme::{Strings, THEME_FILE};

pub const NOT_FOUND_TEMPLATE: &str = "404.html";

/// One rendered output file: path relative to the output root, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Parses every template, with lede's functions and filters registered first (Tera 2 checks
/// at load time that every filter a template uses exists). Errors carry their position.
pub fn load_templates(
    files: &[TextFile],
    model: &Arc<Model>,
    strings: &Arc<Strings>,
    diags: &mut Diagnostics,
) -> Option<Tera> {
    let mut tera = Tera::new();
    tera.autoescape_on(vec![".html", ".htm", ".xml"]);
    register_functions(&mut tera, model, strings);
    let sources = files
        .iter()
        .filter(|f| f.rel != THEME_FILE)
        .map(|f| (f.rel.as_str(), f.text.as_str()));
    match tera.add_raw_templates(sources) {
        Ok(()) => Some(tera),
        Err(e) => {
            template_errors(&e, None)
                .into_iter()
                .for_each(|d| diags.push(d));
            None
        }
    }
}

/// One page's render: its output or errors, and what it read of other pages.
pub type PageResult = (Result<Output, Vec<Diagnostic>>, Vec<Read>);

/// Templates loaded against one site's model, ready to render any of its pages.
pub struct Renderer {
    model: Arc<Model>,
    tera: Tera,
    /// What every page sees besides its own values: the nav and the source (the `site` and
    /// `strings` globals come from the config and the theme alone).
    pub globals: serde_json::Value,
}

impl Renderer {
    /// Builds the template values and loads the templates; `None` if a template fails to load
    /// (reported).
    pub fn new(
        site: &Site,
        templates: &[TextFile],
        publish: &serde_json::Value,
        diags: &mut Diagnostics,
    ) -> Option<Renderer> {
        let model = Arc::new(Model::new(site));
        let strings = Arc::new(site.strings.clone());
        let mut tera = load_templates(templates, &model, &strings, diags)?;
        let mut globals = set_globals(&mut tera, &site.config, site);
        tera.global_context().insert("publish", publish);
        if let Some(g) = globals.as_object_mut() {
            g.insert("publish".into(), publish.clone());
        }
        Some(Renderer {
            model,
            tera,
            globals,
        })
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn has_template(&self, name: &str) -> bool {
        self.tera.get_template_names().any(|n| n == name)
    }

    /// Renders `template` as the document at `path` (relative to the output root), with
    /// `page` and the other variables given; `root` is worked out from `path`. For emitters
    /// that render documents of their own (the changes page, embeds).
    pub fn render(
        &self,
        template: &str,
        path: &str,
        page: Value,
        vars: Vec<(&'static str, Value)>,
    ) -> Result<Output, Vec<Diagnostic>> {
        let mut ctx = Context::new();
        ctx.insert_value("page", page);
        ctx.insert("root", &root_prefix(path));
        for (k, v) in vars {
            ctx.insert_value(k, v);
        }
        render_bytes(&self.tera, template, &ctx, 0)
            .map(|bytes| Output {
                path: path.to_string(),
                bytes,
            })
            .map_err(|e| template_errors(&e, None))
    }

    /// Renders page `i`; with `record`, also returns what it read of other pages
    /// ([`deps`]).
    pub fn page(&self, site: &Site, i: usize, marks: &SourceMarks, record: bool) -> PageResult {
        deps::recording(record, || {
            render_page(site, &self.tera, &self.model, i, marks)
        })
    }

    /// Renders `404.html` from its template if there is one and no `content/404.md`.
    pub fn not_found(&self, site: &Site, record: bool) -> Option<PageResult> {
        let page_404 = site.pages.iter().any(|p| p.url == NOT_FOUND_TEMPLATE);
        if page_404
            || !self
                .tera
                .get_template_names()
                .any(|n| n == NOT_FOUND_TEMPLATE)
        {
            return None;
        }
        Some(deps::recording(record, || {
            render_not_found(&self.tera, &site.strings)
        }))
    }
}

/// Renders every page of the site (and `404.html` if there is such a template and no
/// `content/404.md`), handing
/// each to `sink` as soon as it is rendered: the sink decides whether the page is kept in
/// memory, written out or dropped, so a build never needs the whole site in memory.
/// More documents rendered through the templates after the pages (the publishing emitters'
/// changes page and embeds), each handed to the sink like a page.
pub type Extras<'f> = dyn Fn(&Renderer) -> Vec<Result<Output, Vec<Diagnostic>>> + Sync + 'f;

/// A page value for a document that is not a content page (404, changes, embeds).
pub fn stub_page(title: &str, url: &str) -> Value {
    Value::from_serializable(&serde_json::json!({
        "title": title, "description": "", "url": url, "ref": "", "slug": "",
        "content": "", "extra": {}, "quotes": [], "backlinks": [], "weight": 0, "date": "",
        "is_section": false, "is_source": false, "pages": [], "subsections": [], "mentions": [],
        "updates": [], "updated": "", "excerpts": [],
    }))
}

#[allow(clippy::too_many_arguments)]
pub fn render_site<T: Send>(
    site: &Site,
    templates: &[TextFile],
    source_marks: &SourceMarks,
    diags: &mut Diagnostics,
    publish: &serde_json::Value,
    sink: &(dyn Fn(Output) -> Result<T, Diagnostic> + Sync),
    extras: &Extras<'_>,
) -> Vec<T> {
    let Some(renderer) = Renderer::new(site, templates, publish, diags) else {
        return Vec::new();
    };
    let (mut kept, failed): (Vec<T>, Vec<Vec<Diagnostic>>) = (0..site.pages.len())
        .into_par_iter()
        .map(|i| {
            let o = renderer.page(site, i, source_marks, false).0?;
            sink(o).map_err(|d| vec![d])
        })
        .partition_map(|r| match r {
            Ok(t) => rayon::iter::Either::Left(t),
            Err(ds) => rayon::iter::Either::Right(ds),
        });
    failed.into_iter().flatten().for_each(|d| diags.push(d));
    // A `content/404.md` is the 404 page; the template renders one only when there is none.
    if let Some((o, _)) = renderer.not_found(site, false) {
        match o.and_then(|o| sink(o).map_err(|d| vec![d])) {
            Ok(t) => kept.push(t),
            Err(ds) => ds.into_iter().for_each(|d| diags.push(d)),
        }
    }
    for r in extras(&renderer) {
        match r.and_then(|o| sink(o).map_err(|d| vec![d])) {
            Ok(t) => kept.push(t),
            Err(ds) => ds.into_iter().for_each(|d| diags.push(d)),
        }
    }
    kept
}

fn render_page(
    site: &Site,
    tera: &Tera,
    model: &Model,
    i: usize,
    marks: &SourceMarks,
) -> Result<Output, Vec<Diagnostic>> {
    let page = site.page(i);
    let root = root_prefix(&page.url);
    let mut link_errors = Vec::new();
    let resolve = |r: &str| {
        let href = site.href(r);
        deps::note(|| Read::Href(r.to_string(), href.clone()));
        href.map(|href| format!("{root}{href}"))
    };
    let (anns, notes) = match site.source == Some(i) {
        true => (&marks.inline[..], &marks.notes[..]),
        false => (&[][..], &[][..]),
    };
    let body = page.body().map_err(|d| vec![d])?;
    let content = markdown::render(&body, &resolve, anns, notes, &mut link_errors);
    let mut errors: Vec<Diagnostic> = link_errors
        .into_iter()
        .map(|(at, why)| {
            page.error(page.body_line(&body, at), format!("broken link: {why}"))
                .with_hint("internal links are references like `[text](@/figures/name.md)`")
        })
        .collect();
    for (at, what) in markdown::code_in_markdown(&body) {
        errors.push(
            page.error(page.body_line(&body, at), format!("{what} is not allowed"))
                .with_hint("Markdown is text, not code: put scripts, embeds and event handlers in a template, and files in static/"),
        );
    }
    let template = template_for(site, page);
    if !tera.get_template_names().any(|n| n == template) {
        // Blame the file that named the template: the page, or its section's `page_template`.
        let named_by = match (&page.fm.template, page.parent) {
            (None, Some(s)) if !page.is_section && site.page(s).fm.page_template.is_some() => {
                site.page(s)
            }
            _ => page,
        };
        errors.push(missing_template(named_by, template, tera));
        return Err(errors);
    }
    let mut ctx = Context::new();
    let content = Value::safe_string(&content);
    ctx.insert_value("page", model.page(i, &[("content", content)]));
    ctx.insert("root", &root);
    if let Some(c) = model.compares.get(&i) {
        ctx.insert_value("compare", c.clone());
    }
    match render_bytes(tera, template, &ctx, body.len()) {
        Ok(bytes) if errors.is_empty() => Ok(Output {
            path: page.url.clone(),
            bytes,
        }),
        Ok(_) => Err(errors),
        Err(e) => {
            errors.extend(template_errors(&e, Some(page)));
            Err(errors)
        }
    }
}

/// The template of a page with a `[compare]` table and no `template` of its own.
const COMPARE_TEMPLATE: &str = "compare.html";

/// The page's own `template`, else `compare.html` for a comparison, else its section's
/// `page_template`, else the default.
pub fn template_for<'s>(site: &'s Site, page: &'s Page) -> &'s str {
    if let Some(t) = &page.fm.template {
        return t;
    }
    if page.fm.compare.is_some() {
        return COMPARE_TEMPLATE;
    }
    if page.is_section {
        return "section.html";
    }
    page.parent
        .and_then(|s| site.page(s).fm.page_template.as_deref())
        .unwrap_or("page.html")
}

fn missing_template(page: &Page, name: &str, tera: &Tera) -> Diagnostic {
    let mut names: Vec<&str> = tera.get_template_names().collect();
    names.sort();
    let choices = if names.is_empty() {
        "templates/ is empty".to_string()
    } else {
        format!("or use one of: {}", names.join(", "))
    };
    page.error(
        page.line_of(name),
        format!("template `{name}` does not exist in templates/"),
    )
    .with_hint(format!("create templates/{name}; {choices}"))
    .suggest(name, names)
}

/// Renders `template` straight into bytes, with room for a body of `body_len` bytes, so the
/// buffer seldom grows. Tera writes only `str` (lede's values are never bytes), so the output
/// is UTF-8 without a second pass over it to check; a NUL becomes U+FFFD, as browsers show it.
fn render_bytes(
    tera: &Tera,
    template: &str,
    ctx: &Context,
    body_len: usize,
) -> tera::TeraResult<Vec<u8>> {
    let mut html = Vec::with_capacity(body_len + body_len / 4 + 4096);
    tera.render_to(template, ctx, &mut html)?;
    Ok(without_nul(html))
}

/// U+0000 never reaches a page: as CommonMark says of Markdown, it becomes U+FFFD, wherever
/// it came from (a body, an escaped `\u0000` in front matter, a template).
fn without_nul(html: Vec<u8>) -> Vec<u8> {
    if memchr::memchr(0, &html).is_none() {
        return html;
    }
    let mut out = Vec::with_capacity(html.len() + 2);
    for &b in &html {
        match b {
            0 => out.extend_from_slice("\u{FFFD}".as_bytes()),
            b => out.push(b),
        }
    }
    out
}

fn render_not_found(tera: &Tera, strings: &Strings) -> Result<Output, Vec<Diagnostic>> {
    let title = strings.get("not_found_title").unwrap_or("404");
    let mut ctx = Context::new();
    ctx.insert_value("page", stub_page(title, "404.html"));
    ctx.insert("root", "");
    render_bytes(tera, NOT_FOUND_TEMPLATE, &ctx, 0)
        .map(|bytes| Output {
            path: NOT_FOUND_TEMPLATE.into(),
            bytes,
        })
        .map_err(|e| template_errors(&e, None))
}

/// Sets the globals; returns those that depend on the content (nav and source).
fn set_globals(tera: &mut Tera, config: &Config, site: &Site) -> serde_json::Value {
    let nav: Vec<serde_json::Value> = config
        .nav
        .iter()
        .filter_map(|n| {
            let t = site.resolve(&n.target).ok()?;
            Some(serde_json::json!({ "title": n.title, "url": site.page(t.page).url }))
        })
        .collect();
    let globals = tera.global_context();
    globals.insert(
        "site",
        &serde_json::json!({
            "title": config.title, "description": config.description,
            "language": config.language, "extra": config.extra,
        }),
    );
    globals.insert("nav", &nav);
    globals.insert("strings", site.strings.as_map());
    let source = source_value(site);
    globals.insert("source", &source);
    serde_json::json!({ "nav": nav, "source": source })
}

/// What the site knows about its source: `none` for what the source page does not say, so
/// templates can say plainly that it is not known.
fn source_value(site: &Site) -> serde_json::Value {
    let Some(page) = site.source.map(|s| site.page(s)) else {
        return serde_json::Value::Null;
    };
    let fm = &page.fm;
    serde_json::json!({
        "title": fm.title, "url": page.url, "ref": page.reference(),
        "publisher": fm.publisher, "published": fm.published.as_ref().map(|d| &d.0),
        "author": fm.author, "link": fm.url, "about": fm.about,
    })
}

/// `get_page`, `get_section`, `get_quote`, `t`, and the `markdown` and `attribution` filters.
fn register_functions(tera: &mut Tera, model: &Arc<Model>, strings: &Arc<Strings>) {
    let s = Arc::clone(strings);
    tera.register_function("t", move |kwargs: Kwargs, _: &State| translate(&s, &kwargs));
    let s = Arc::clone(strings);
    tera.register_filter(
        "format_date",
        move |date: &str, _: Kwargs, _: &State| -> tera::TeraResult<Value> {
            Ok(Value::from(format_date(&s, date)))
        },
    );
    let s = Arc::clone(strings);
    tera.register_filter(
        "attribution",
        move |q: &Value, kwargs: Kwargs, state: &State| attribution(&s, q, &kwargs, state),
    );
    let m = Arc::clone(model);
    tera.register_function("get_page", move |kwargs: Kwargs, _: &State| {
        lookup(|r| m.by_ref(r), m.refs(), &kwargs, "get_page", Read::Page)
    });
    let m = Arc::clone(model);
    tera.register_function("get_section", move |kwargs: Kwargs, _: &State| {
        lookup(
            |r| m.by_ref(r),
            m.refs(),
            &kwargs,
            "get_section",
            Read::Page,
        )
    });
    let m = Arc::clone(model);
    tera.register_function("get_quote", move |kwargs: Kwargs, _: &State| {
        let refs = m.quotes.keys().map(String::as_str);
        lookup(
            |r| m.quotes.get(r).cloned(),
            refs,
            &kwargs,
            "get_quote",
            Read::Quote,
        )
    });
    // `@/` links resolve relative to the page being rendered: its `root`, unless given.
    let m = Arc::clone(model);
    tera.register_filter(
        "markdown",
        move |s: &str, kwargs: Kwargs, state: &State| -> tera::TeraResult<Value> {
            let root = match kwargs.get::<String>("root")? {
                Some(r) => r,
                None => state.get::<String>("root")?.unwrap_or_default(),
            };
            let resolve = |r: &str| {
                let url = m.url_of(r);
                deps::note(|| Read::Url(r.to_string(), url.clone()));
                url.map(|u| format!("{root}{u}"))
            };
            let block = kwargs.get::<bool>("block")?.unwrap_or(false);
            let html = if block {
                markdown::render_block(s, &resolve)
            } else {
                markdown::render_inline(s, &resolve)
            };
            html.map(|html| Value::safe_string(&html))
                .map_err(|why| tera::Error::message(format!("markdown: broken link: {why}")))
        },
    );
}

/// `t(key="…", name=…)`: the interface string `key` with each `{name}` filled in.
fn translate(strings: &Strings, kwargs: &Kwargs) -> tera::TeraResult<Value> {
    let key: String = kwargs.must_get("key")?;
    let Some(text) = strings.get(&key) else {
        let hint = did_you_mean_suffix(&key, strings.keys());
        return Err(tera::Error::message(format!(
            "t: no interface string `{key}` in templates/{THEME_FILE} [strings]{hint}"
        )));
    };
    let mut values: Vec<(String, String)> = Vec::new();
    for (name, value) in kwargs.iter() {
        if name.as_str() != Some("key") {
            let v = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            values.push((name.to_string(), v));
        }
    }
    let pairs: Vec<(&str, &str)> = values
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    Ok(Value::from(crate::theme::fill(text, &pairs)))
}

/// A date (`2024-09-30`, or a TOML date-time) in the site's language, by the strings
/// `date_format` and `months`; anything else is shown as written.
pub fn format_date(strings: &Strings, date: &str) -> String {
    let ymd: Vec<&str> = date.get(..10).unwrap_or(date).split('-').collect();
    let [y, m, d] = ymd.as_slice() else {
        return date.to_string();
    };
    let (Ok(month), Ok(day)) = (m.parse::<usize>(), d.parse::<u32>()) else {
        return date.to_string();
    };
    let months = strings.get("months").unwrap_or_default();
    let Some(name) = months.split(',').map(str::trim).nth(month.wrapping_sub(1)) else {
        return date.to_string();
    };
    let day = day.to_string();
    strings.fill(
        "date_format",
        &[("day", &day), ("month", name), ("year", y)],
    )
}

/// `q | attribution`: who speaks in quote `q`, worded by the strings table, each person a
/// link relative to the page being rendered (`link_speaker=false` on the speaker's own page).
fn attribution(
    strings: &Strings,
    q: &Value,
    kwargs: &Kwargs,
    state: &State,
) -> tera::TeraResult<Value> {
    let root = state.get::<String>("root")?.unwrap_or_default();
    let link_speaker = kwargs.get::<bool>("link_speaker")?.unwrap_or(true);
    let get = |v: &Value, k: &'static str| -> Option<String> {
        let m = v.as_map()?;
        m.get(&tera::value::Key::Str(k))
            .and_then(|x| x.as_str().map(str::to_string))
    };
    let field = |k: &'static str| q.as_map()?.get(&tera::value::Key::Str(k)).cloned();
    let person = |p: &Value, link: bool| {
        let name = get(p, "title").unwrap_or_default();
        let href = get(p, "url").filter(|_| link).map(|u| format!("{root}{u}"));
        labels::person_html(&name, href.as_deref())
    };
    let kind = Kind::from_name(&get(q, "kind").unwrap_or_default());
    let speaker = field("speaker").map_or(String::new(), |p| person(&p, link_speaker));
    let via = field("via")
        .filter(|v| v.as_map().is_some())
        .map(|p| person(&p, true));
    let html = labels::label_html(strings, kind, &speaker, via.as_deref());
    Ok(Value::safe_string(&html))
}

fn lookup<'m>(
    get: impl Fn(&str) -> Option<Value>,
    refs: impl Iterator<Item = &'m str>,
    kwargs: &Kwargs,
    f: &str,
    read: fn(String, Option<Value>) -> Read,
) -> tera::TeraResult<Value> {
    let r: String = kwargs.must_get("ref")?;
    let found = get(&r);
    deps::note(|| read(r.clone(), found.clone()));
    match found {
        Some(v) => Ok(v),
        None => {
            let hint = did_you_mean_suffix(&r, refs);
            Err(tera::Error::message(format!(
                "{f}: `{r}` does not exist{hint}"
            )))
        }
    }
}

/// A Tera error as diagnostics at the template's file:line:col, naming the page being rendered.
/// Load-time validation errors arrive as one message holding several reports; each becomes
/// its own diagnostic.
fn template_errors(e: &tera::Error, page: Option<&Page>) -> Vec<Diagnostic> {
    let during = page.map_or(String::new(), |p| {
        format!(" (rendering {})", p.shown.display())
    });
    let hint = "fix the template at this position; an undefined variable can be guarded with `| default(value=\"\")`";
    match e.kind() {
        ErrorKind::SyntaxError(r) | ErrorKind::RenderingError(r) => {
            let span = r.span();
            let kind = if matches!(e.kind(), ErrorKind::SyntaxError(_)) {
                "template syntax error"
            } else {
                "template error"
            };
            vec![
                Diagnostic::error(
                    Path::new(TEMPLATES_DIR).join(r.filename()),
                    span.start_line,
                    format!("{kind}: {}{during}", r.message()),
                )
                .at_col(span.start_col + 1)
                .with_hint(hint),
            ]
        }
        other => {
            let mut msg = other.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                msg.push_str(&format!(": {s}"));
                source = s.source();
            }
            let reports = parse_reports(&msg);
            if !reports.is_empty() {
                return reports
                    .into_iter()
                    .map(|(message, file, line, col)| {
                        Diagnostic::error(
                            Path::new(TEMPLATES_DIR).join(file),
                            line,
                            format!("template error: {message}{during}"),
                        )
                        .at_col(col)
                        .with_hint(hint)
                    })
                    .collect();
            }
            // "Template 'x.html' is inheriting from …": blame the template named first.
            let named = msg
                .split_once("Template '")
                .and_then(|(_, rest)| rest.split_once('\''))
                .map(|(name, _)| Path::new(TEMPLATES_DIR).join(name));
            let path = page.map_or_else(
                || named.unwrap_or_else(|| PathBuf::from(TEMPLATES_DIR)),
                |p| p.shown.clone(),
            );
            vec![
                Diagnostic::error(path, 1, format!("template error: {msg}{during}")).with_hint(
                    "check the template names in `extends`/`include` and the page's `template`",
                ),
            ]
        }
    }
}

/// Pulls (message, file, line, col) out of Tera's text reports: "error: msg\n --> file:l:c".
fn parse_reports(text: &str) -> Vec<(String, String, usize, usize)> {
    let mut out = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(message) = line.trim_start().strip_prefix("error: ") else {
            continue;
        };
        let Some(locus) = lines
            .peek()
            .and_then(|l| l.trim_start().strip_prefix("--> "))
        else {
            continue;
        };
        let mut parts = locus.rsplitn(3, ':');
        let (Some(col), Some(line_no), Some(file)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if let (Ok(l), Ok(c)) = (line_no.parse(), col.parse()) {
            out.push((message.to_string(), file.to_string(), l, c));
        }
    }
    out
}
