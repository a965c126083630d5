//! Stage 5: checks the rendered site as a browser would use it. Every internal `href`/`src`
//! must land on a file of the output (never a folder: `file://` would show a listing), every
//! `#fragment` on an `id` of its target page, and nothing may be fetched from another host.
//! This covers links written in templates, which no earlier stage can see.

use std::collections::HashMap;

use rustc_hash::{FxHashMap, FxHashSet};

use rayon::prelude::*;

use crate::base_url::BaseUrl;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::render::Output;
use crate::site::Page;

/// Where an output page came from, for error messages.
pub struct Origin<'a> {
    pub page: &'a Page,
    pub template: String,
}

/// What the link check needs from one rendered page, owned so the page's bytes can be
/// written out and dropped before the whole site is checked.
pub struct PageLinks {
    pub path: String,
    ids: FxHashSet<String>,
    repeated: Vec<String>,
    links: Vec<Link>,
}

struct Link {
    attr: &'static str,
    value: String,
    /// Loaded by the browser with the page (`src`, `<link href>`), not followed by a click.
    fetched: bool,
}

/// One pass over a page's attributes: its ids (and any repeated), and its links. Files
/// that are not HTML (sitemap, feed, images) are only named: their URLs are absolute by
/// design and their bytes are not markup.
pub fn scan(o: &Output) -> PageLinks {
    let mut s = PageLinks {
        path: o.path.clone(),
        ids: FxHashSet::default(),
        repeated: Vec::new(),
        links: Vec::new(),
    };
    if !o.path.ends_with(".html") {
        return s;
    }
    attrs(&o.bytes, |tag, name, value| {
        let value = decode(value);
        if name == b"srcset" {
            for url in srcset_urls(&value) {
                s.links.push(Link {
                    attr: "srcset",
                    fetched: true,
                    value: url,
                });
            }
        } else if name == b"style" || name == b"<style>" {
            for url in css_urls(&value) {
                s.links.push(Link {
                    attr: "url()",
                    fetched: true,
                    value: url,
                });
            }
        } else if name == b"id" {
            if s.ids.contains(&value) {
                s.repeated.push(value);
            } else {
                s.ids.insert(value);
            }
        } else {
            s.links.push(Link {
                attr: if name == b"src" { "src" } else { "href" },
                fetched: name == b"src" || tag.eq_ignore_ascii_case(b"link"),
                value,
            });
        }
    });
    s
}

/// The URLs of a `srcset`: comma-separated candidates, each a URL and an optional size.
fn srcset_urls(srcset: &str) -> Vec<String> {
    srcset
        .split(',')
        .filter_map(|c| c.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// The URLs CSS would fetch: every `url(…)` and `@import "…"`.
pub fn css_urls(css: &str) -> Vec<String> {
    let lower = css.to_ascii_lowercase();
    let mut urls = Vec::new();
    for (i, _) in lower.match_indices("url(") {
        let rest = css[i + 4..].trim_start();
        let end = rest.find(')').unwrap_or(rest.len());
        let url = rest[..end].trim().trim_matches(['"', '\'']);
        urls.push(url.to_string());
    }
    for (i, _) in lower.match_indices("@import") {
        let rest = css[i + 7..].trim_start();
        if let Some(q @ ('"' | '\'')) = rest.chars().next() {
            let body = &rest[1..];
            urls.push(body[..body.find(q).unwrap_or(body.len())].to_string());
        }
    }
    urls
}

/// A static CSS file may not fetch anything from another host either.
pub fn check_css(shown: &std::path::Path, css: &str, diags: &mut Diagnostics) {
    for url in css_urls(css) {
        if is_external(&url) && !url.starts_with("data:") {
            let line = crate::diagnostics::line_of(css, &url);
            diags.push(
                Diagnostic::error(
                    shown,
                    line,
                    format!("`{url}` would be fetched from another host"),
                )
                .with_hint("put the file in static/ and refer to it with a relative URL"),
            );
        }
    }
}

fn decode(value: &[u8]) -> String {
    let v = String::from_utf8_lossy(value);
    if v.contains('&') {
        v.replace("&amp;", "&")
    } else {
        v.into_owned()
    }
}

/// Checks every page's links. With `base`, an absolute URL under it is the site's own (a
/// canonical link) and must land like a relative one.
pub fn check(
    pages: &[&PageLinks],
    statics: &[String],
    origins: &HashMap<&str, Origin<'_>>,
    base: Option<&BaseUrl>,
    diags: &mut Diagnostics,
) {
    let ids: FxHashMap<&str, &FxHashSet<String>> =
        pages.iter().map(|p| (p.path.as_str(), &p.ids)).collect();
    let files: FxHashSet<&str> = pages
        .iter()
        .map(|p| p.path.as_str())
        .chain(statics.iter().map(String::as_str))
        .collect();
    let found: Vec<Diagnostic> = pages
        .par_iter()
        .flat_map_iter(|p| check_page(p, &files, &ids, origins, base))
        .collect();
    found.into_iter().for_each(|d| diags.push(d));
}

fn check_page(
    page: &PageLinks,
    files: &FxHashSet<&str>,
    ids: &FxHashMap<&str, &FxHashSet<String>>,
    origins: &HashMap<&str, Origin<'_>>,
    base: Option<&BaseUrl>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for id in &page.repeated {
        let why =
            format!("the id `{id}` appears twice on the page; a link to it could land on either");
        out.push(located(&page.path, &format!("id=\"{id}\""), why, origins));
    }
    for l in &page.links {
        let own = base.and_then(|b| b.strip(&l.value)).map(|rel| {
            let (path, fragment) = rel
                .split_once('#')
                .map_or((rel, None), |(p, f)| (p, Some(f)));
            let mut rel = path.to_string();
            if rel.is_empty() || rel.ends_with('/') {
                rel.push_str("index.html");
            }
            if let Some(f) = fragment {
                rel = format!("{rel}#{f}");
            }
            Link {
                attr: l.attr,
                // From the site root, as if written on a page at the top.
                value: rel,
                fetched: l.fetched,
            }
        });
        let (from, l) = match &own {
            Some(own) => ("index.html", own),
            None => (page.path.as_str(), l),
        };
        if let Err(why) = check_link(from, l, files, ids) {
            out.push(located(&page.path, &l.value, why, origins));
        }
    }
    out
}

fn check_link(
    from: &str,
    a: &Link,
    files: &FxHashSet<&str>,
    ids: &FxHashMap<&str, &FxHashSet<String>>,
) -> Result<(), String> {
    let v = a.value.as_str();
    if v.is_empty() {
        return Err(format!("broken link: an empty `{}` attribute", a.attr));
    }
    if is_external(v) {
        return if a.fetched && !v.starts_with("data:") {
            Err(format!(
                "`{v}` would be fetched from another host; put the file in static/ instead"
            ))
        } else {
            Ok(())
        };
    }
    if v.starts_with('/') {
        return Err(format!(
            "`{v}` is an absolute path: it breaks when the site is opened from disk or a sub-path; write `{{{{ root }}}}…` instead"
        ));
    }
    let (path, fragment) = match v.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (v, None),
    };
    let path = path.split('?').next().unwrap_or(path);
    // A browser looks for the file the URL names once decoded: `a%20b.html` is `a b.html`.
    let Ok(path) = percent_encoding::percent_decode_str(path).decode_utf8() else {
        return Err(format!(
            "broken link: `{v}` is not valid percent-encoded UTF-8"
        ));
    };
    let fragment = fragment.map(|f| percent_encoding::percent_decode_str(f).decode_utf8_lossy());
    let path = path.as_ref();
    let target = if path.is_empty() {
        from.to_string()
    } else {
        join(from, path)?
    };
    if !files.contains(target.as_str()) {
        let also = if files.contains(format!("{}index.html", with_slash(&target)).as_str()) {
            format!(
                " (it is a folder: link to `{}index.html`)",
                with_slash(path)
            )
        } else {
            String::new()
        };
        return Err(format!(
            "`{v}` points to `{target}`, which is not in the site{also}"
        ));
    }
    if let (Some(f), Some(page_ids)) = (fragment.as_deref(), ids.get(target.as_str()))
        && !f.is_empty()
        && !page_ids.contains(f)
    {
        return Err(format!(
            "broken link: `{v}`: `{target}` has no element with id `{f}`"
        ));
    }
    Ok(())
}

fn with_slash(p: &str) -> String {
    if p.is_empty() || p.ends_with('/') {
        p.to_string()
    } else {
        format!("{p}/")
    }
}

fn is_external(v: &str) -> bool {
    v.starts_with("//")
        || v.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && !scheme.contains('/')
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
}

/// Resolves `rel` against the folder of `from`; both relative to the output root.
fn join(from: &str, rel: &str) -> Result<String, String> {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!("broken link: `{rel}` climbs above the site root"));
                }
            }
            s => parts.push(s),
        }
    }
    Ok(parts.join("/"))
}

fn located(
    path: &str,
    value: &str,
    why: String,
    origins: &HashMap<&str, Origin<'_>>,
) -> Diagnostic {
    let Some(origin) = origins.get(path) else {
        return Diagnostic::error(
            format!("templates/{path}"),
            1,
            format!("broken link: {why}"),
        );
    };
    // A link the author wrote in Markdown is found in the file (as written, or by its
    // `#fragment`, since Markdown spells the target as a reference); otherwise it came from
    // the template.
    let fragment = value.find('#').map(|i| &value[i..]).filter(|f| f.len() > 1);
    let text = origin.page.file_text();
    let spot = text
        .find(value)
        .or_else(|| fragment.and_then(|f| text.find(f)));
    let shown = &origin.page.shown;
    match spot {
        Some(i) => {
            let (line, col) = crate::diagnostics::line_col(&text, i);
            Diagnostic::error(shown, line, why).at_col(col)
        }
        None => Diagnostic::error(shown, 1, format!("in {path}: {why}")).with_hint(format!(
            "it comes from templates/{} (or a template it extends, includes or calls)",
            origin.template
        )),
    }
}

/// Calls `found(tag, name, value)` for every `href`, `src` and `id` attribute in a document.
/// A small byte scanner is enough: the input is HTML we just rendered, not arbitrary
/// markup, and it only splits at ASCII delimiters, so every piece stays valid UTF-8.
fn attrs(html: &[u8], mut found: impl FnMut(&[u8], &[u8], &[u8])) {
    let mut rest = html;
    while let Some(lt) = memchr::memchr(b'<', rest) {
        rest = &rest[lt + 1..];
        if rest.starts_with(b"!--") {
            rest = memchr::memmem::find(rest, b"-->").map_or(&[], |e| &rest[e + 3..]);
            continue;
        }
        let end = memchr::memchr(b'>', rest).unwrap_or(rest.len());
        let inside = &rest[..end];
        let tag_end = inside
            .iter()
            .position(|&c| c.is_ascii_whitespace() || c == b'/')
            .unwrap_or(inside.len());
        let tag = &inside[..tag_end];
        parse_attrs(tag, &inside[tag_end..], &mut found);
        if tag.eq_ignore_ascii_case(b"script") || tag.eq_ignore_ascii_case(b"style") {
            let close = [b"</", tag].concat();
            let body_end = memchr::memmem::find(rest, &close);
            if tag.eq_ignore_ascii_case(b"style") {
                let start = (end + 1).min(rest.len());
                let stop = body_end.unwrap_or(rest.len()).max(start);
                found(tag, b"<style>", &rest[start..stop]);
            }
            rest = body_end.map_or(&[], |e| &rest[e..]);
        } else {
            rest = &rest[end..];
        }
    }
}

/// `s` without its leading whitespace (and slashes, if `also_slash`).
fn skip(s: &[u8], also_slash: bool) -> &[u8] {
    let n = s
        .iter()
        .take_while(|&&c| c.is_ascii_whitespace() || (also_slash && c == b'/'))
        .count();
    &s[n..]
}

fn parse_attrs(tag: &[u8], mut s: &[u8], found: &mut impl FnMut(&[u8], &[u8], &[u8])) {
    loop {
        s = skip(s, true);
        let name_end = s
            .iter()
            .position(|&c| c.is_ascii_whitespace() || c == b'=' || c == b'/')
            .unwrap_or(s.len());
        if name_end == 0 {
            return;
        }
        let name = &s[..name_end];
        s = skip(&s[name_end..], false);
        let Some(after) = s.strip_prefix(b"=") else {
            continue;
        };
        let after = skip(after, false);
        let (value, rest) = match after.first() {
            Some(&q @ (b'"' | b'\'')) => {
                let body = &after[1..];
                let e = memchr::memchr(q, body).unwrap_or(body.len());
                (&body[..e], body.get(e + 1..).unwrap_or(&[]))
            }
            _ => {
                let e = after
                    .iter()
                    .position(u8::is_ascii_whitespace)
                    .unwrap_or(after.len());
                (&after[..e], &after[e..])
            }
        };
        // HTML names are case-insensitive: a template may write `HREF`.
        for known in [&b"href"[..], b"src", b"id", b"srcset", b"style"] {
            if name.eq_ignore_ascii_case(known) {
                found(tag, known, value);
            }
        }
        s = rest;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pages: &[(&str, &str)]) -> Vec<String> {
        let scanned: Vec<PageLinks> = pages
            .iter()
            .map(|(p, h)| {
                scan(&Output {
                    path: p.to_string(),
                    bytes: h.as_bytes().to_vec(),
                })
            })
            .collect();
        let mut d = Diagnostics::default();
        check(
            &scanned.iter().collect::<Vec<_>>(),
            &["style.css".to_string()],
            &HashMap::new(),
            None,
            &mut d,
        );
        d.sorted().into_iter().map(|d| d.message.clone()).collect()
    }

    #[test]
    fn relative_links_and_fragments_resolve() {
        let errs = run(&[
            (
                "index.html",
                r##"<a href="a/b.html#x">b</a><link rel="stylesheet" href="style.css">"##,
            ),
            (
                "a/b.html",
                r##"<p id="x"><a href="../index.html">home</a><a href="#x">self</a></p>"##,
            ),
        ]);
        assert!(errs.is_empty(), "{errs:?}");
    }

    #[test]
    fn broken_targets_fragments_folders_and_outside_fetches_fail() {
        let errs = run(&[
            (
                "index.html",
                r##"<a href="a/">f</a><a href="a/b.html#nope">x</a><a href="/abs.html">y</a><img src="https://cdn.example/x.png"><a href="gone.html">z</a>"##,
            ),
            ("a/index.html", "<p></p>"),
            ("a/b.html", "<p></p>"),
        ]);
        assert_eq!(errs.len(), 5, "{errs:?}");
        assert!(errs.iter().any(|e| e.contains("it is a folder")));
        assert!(errs.iter().any(|e| e.contains("no element with id `nope`")));
    }

    #[test]
    fn the_scanner_reads_quoting_styles_and_skips_comments_and_scripts() {
        let errs = run(&[(
            "index.html",
            concat!(
                r##"<p id=top><a class=x href='#top'>a</a> <a href=#top>b</a></p>"##,
                r##"<!-- <a href="gone.html"> --><script>let s = '<a href="gone.html">';</script>"##,
                r##"<a href="index.html?a=1&amp;b=2#top">c</a><p id="top"></p>"##,
                r##"<A HREF="missing.html">d</A><img src = "also-missing.png">"##,
            ),
        )]);
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(
            errs.iter().any(|e| e.contains("`top` appears twice")),
            "{errs:?}"
        );
        assert!(errs.iter().any(|e| e.contains("missing.html")), "{errs:?}");
        assert!(
            errs.iter().any(|e| e.contains("also-missing.png")),
            "{errs:?}"
        );
    }

    #[test]
    fn srcset_and_css_urls_are_outside_fetches_too() {
        let errs = run(&[(
            "index.html",
            concat!(
                r##"<img src="style.css" srcset="style.css 1x, https://cdn.example/a.png 2x">"##,
                r##"<p style="background: url('https://cdn.example/b.png')">x</p>"##,
                r##"<style>@import "https://cdn.example/c.css"; p { background: url(//cdn.example/d.png) }</style>"##,
                r##"<p style="background: url(data:image/png;base64,AAAA)">ok</p>"##,
            ),
        )]);
        assert_eq!(errs.len(), 4, "{errs:?}");
        for host in ["a.png", "b.png", "c.css", "d.png"] {
            assert!(errs.iter().any(|e| e.contains(host)), "{host}: {errs:?}");
        }
    }

    #[test]
    fn links_are_percent_decoded_before_they_are_matched() {
        let errs = run(&[
            (
                "index.html",
                r##"<a href="a%20b.html#x%20y">ok</a><a href="pct%20x.html">broken</a>"##,
            ),
            ("a b.html", r#"<p id="x y"></p>"#),
            ("pct%20x.html", "<p></p>"),
        ]);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].contains("`pct x.html`, which is not in the site"),
            "{errs:?}"
        );
    }

    #[test]
    fn external_anchors_are_allowed() {
        assert!(run(&[("index.html", r#"<a href="https://example.org/">x</a>"#)]).is_empty());
    }
}
