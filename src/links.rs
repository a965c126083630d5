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
    pub template: &'a str,
}

/// What the link check needs from one rendered page, owned so the page's bytes can be
/// written out and dropped before the whole site is checked.
pub struct PageLinks {
    pub path: String,
    /// `None` when the page has no ids and no links left to check (most pages, once
    /// [settled](PageLinks::settle)): a big site holds one of these per page to the end.
    found: Option<Box<Found>>,
}

#[derive(Default)]
struct Found {
    ids: FxHashSet<String>,
    repeated: Vec<String>,
    links: Vec<Link>,
}

impl Found {
    fn is_empty(&self) -> bool {
        self.ids.is_empty() && self.repeated.is_empty() && self.links.is_empty()
    }
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
    let mut s = Found::default();
    if o.path.ends_with(".html") {
        scan_html(&o.bytes, &mut s);
    }
    PageLinks {
        path: o.path.clone(),
        found: (!s.is_empty()).then(|| Box::new(s)),
    }
}

/// Attributes that hold one URL, and whether the browser fetches it as the page loads
/// (`src`, a video's `poster`, an old-style `background`, a link's `ping`) rather than only
/// when followed (`href`, a form's `action`).
const URL_ATTRS: [(&str, bool); 7] = [
    ("href", false),
    ("src", true),
    ("poster", true),
    ("background", true),
    ("ping", true),
    ("action", false),
    ("formaction", false),
];

fn scan_html(html: &[u8], s: &mut Found) {
    attrs(html, |tag, name, value| {
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
        } else if let Some(&(attr, fetched)) = URL_ATTRS.iter().find(|(a, _)| a.as_bytes() == name)
        {
            s.links.push(Link {
                attr,
                fetched: fetched || tag.eq_ignore_ascii_case(b"link"),
                value: as_url_parser_reads(value),
            });
        }
    });
}

/// A URL as the browser's URL parser reads it: spaces and control characters around it
/// dropped, tabs and newlines inside it too, and `\` read as `/` (so ` //host` and `\\host`
/// are other hosts, not paths).
fn as_url_parser_reads(value: String) -> String {
    if value.bytes().all(|b| b > b' ' && b != b'\\') {
        return value; // almost every URL
    }
    value
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| if c == '\\' { '/' } else { c })
        .collect()
}

/// The URLs of a `srcset`: comma-separated candidates, each a URL and an optional size.
fn srcset_urls(srcset: &str) -> Vec<String> {
    srcset
        .split(',')
        .filter_map(|c| c.split_whitespace().next())
        .map(|url| as_url_parser_reads(url.to_string()))
        .collect()
}

/// The URLs CSS would fetch: every `url(…)`, `@import "…"` and string in `image-set(…)`,
/// read after CSS escapes (`\68ttps` is `https`).
pub fn css_urls(css: &str) -> Vec<String> {
    let css = &without_css_comments(&css_unescape(css));
    let lower = css.to_ascii_lowercase();
    let mut urls = Vec::new();
    for (i, m) in lower.match_indices("image-set(") {
        urls.extend(quoted_strings(&css[i + m.len()..]));
    }
    for (i, _) in lower.match_indices("url(") {
        let rest = css[i + 4..].trim_start();
        let end = rest.find(')').unwrap_or(rest.len());
        let url = rest[..end].trim().trim_matches(['"', '\'']);
        urls.push(as_url_parser_reads(url.to_string()));
    }
    for (i, _) in lower.match_indices("@import") {
        let rest = css[i + 7..].trim_start();
        if let Some(q @ ('"' | '\'')) = rest.chars().next() {
            let body = &rest[1..];
            urls.push(as_url_parser_reads(
                body[..body.find(q).unwrap_or(body.len())].to_string(),
            ));
        }
    }
    urls
}

/// CSS without its `/* … */` comments (`@import/**/"x.css"` imports `x.css`).
fn without_css_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        out.push(' ');
        rest = rest[i + 2..]
            .find("*/")
            .map_or("", |e| &rest[i + 2 + e + 2..]);
    }
    out.push_str(rest);
    out
}

/// The quoted strings before the first `)` outside quotes.
fn quoted_strings(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find(['"', '\'', ')']) {
        let q = rest.as_bytes()[i];
        if q == b')' {
            break;
        }
        let body = &rest[i + 1..];
        let end = body.find(q as char).unwrap_or(body.len());
        out.push(as_url_parser_reads(body[..end].to_string()));
        rest = body.get(end + 1..).unwrap_or("");
    }
    out
}

/// CSS text with its escapes read: `\` and 1 to 6 hex digits (and one space after them) is
/// that character, `\` and any other character is that character.
fn css_unescape(css: &str) -> String {
    if !css.contains('\\') {
        return css.to_string();
    }
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let mut hex = String::new();
        while hex.len() < 6 && chars.peek().is_some_and(char::is_ascii_hexdigit) {
            hex.extend(chars.next());
        }
        if hex.is_empty() {
            out.extend(chars.next());
            continue;
        }
        let code = u32::from_str_radix(&hex, 16).unwrap_or(0xfffd);
        out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
        if chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            chars.next();
        }
    }
    out
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

/// An attribute value as the browser reads it: character references decoded (`it&#39;s`).
fn decode(value: &[u8]) -> String {
    let v = String::from_utf8_lossy(value);
    if v.contains('&') {
        crate::markdown::decode_entities(&v)
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
    let none = FxHashSet::default();
    // Every output has its ids, empty or not: a `#fragment` into a page without them fails.
    let ids: FxHashMap<&str, &FxHashSet<String>> = pages
        .iter()
        .map(|p| (p.path.as_str(), p.found.as_ref().map_or(&none, |f| &f.ids)))
        .collect();
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
    let Some(found) = &page.found else {
        return out;
    };
    for id in &found.repeated {
        let why =
            format!("the id `{id}` appears twice on the page; a link to it could land on either");
        out.push(located(&page.path, &format!("id=\"{id}\""), why, origins));
    }
    for l in &found.links {
        if let Err((value, why)) = check_one(&page.path, l, files, ids, base) {
            out.push(located(&page.path, &value, why, origins));
        }
    }
    out
}

impl PageLinks {
    /// Drops the links already known to land: on one of `files` (which the finished site has
    /// too) with no `#fragment` to look up there. The rest wait for the whole site, so a big
    /// site does not hold every link of every page until the end.
    pub fn settle(&mut self, files: &FxHashSet<&str>, base: Option<&BaseUrl>) {
        let Some(found) = &mut self.found else {
            return;
        };
        let no_ids = FxHashMap::default();
        let path = self.path.as_str();
        let mut target = String::new();
        found.links.retain(|l| {
            let lands = (plain_target(path, &l.value, &mut target) && files.contains(&*target))
                || (!l.value.contains('#') && check_one(path, l, files, &no_ids, base).is_ok());
            !lands
        });
        found.links.shrink_to_fit();
        if found.is_empty() {
            self.found = None;
        }
    }
}

/// The common link, resolved into `target` (reused, so nothing is allocated): a relative
/// path with no scheme, query, fragment or escape. `false` for any other link, or one that
/// climbs above the site root; [`check_link`] then decides.
fn plain_target(from: &str, v: &str, target: &mut String) -> bool {
    let special = |b: u8| matches!(b, b':' | b'#' | b'?' | b'%');
    !v.is_empty() && !v.starts_with('/') && !v.bytes().any(special) && join_into(from, v, target)
}

/// One link of the page at `path`; an error gives the link as checked (an own absolute
/// link as its path from the site root) and why it fails.
fn check_one(
    path: &str,
    l: &Link,
    files: &FxHashSet<&str>,
    ids: &FxHashMap<&str, &FxHashSet<String>>,
    base: Option<&BaseUrl>,
) -> Result<(), (String, String)> {
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
        None => (path, l),
    };
    check_link(from, l, files, ids).map_err(|why| (l.value.clone(), why))
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
    let mut out = String::new();
    match join_into(from, rel, &mut out) {
        true => Ok(out),
        false => Err(format!("broken link: `{rel}` climbs above the site root")),
    }
}

/// [`join`] into `out`; `false` if `rel` climbs above the site root. `parts` counts the
/// path's parts, since an empty part and no part both write nothing.
fn join_into(from: &str, rel: &str, out: &mut String) -> bool {
    // Byte offsets of `/`: both strings split only at that ASCII byte, so every piece is
    // still a `str`, and no pattern searcher is set up for a 20-byte path.
    let (dir, mut parts) = match from.bytes().rposition(|b| b == b'/') {
        Some(i) => (&from[..i], from.bytes().filter(|&b| b == b'/').count()),
        None => ("", 0),
    };
    out.clear();
    out.push_str(dir);
    let mut start = 0;
    while start <= rel.len() {
        let stop = rel.as_bytes()[start..]
            .iter()
            .position(|&b| b == b'/')
            .map_or(rel.len(), |i| start + i);
        match &rel[start..stop] {
            "" | "." => {}
            ".." if parts == 0 => return false,
            ".." => {
                parts -= 1;
                out.truncate(out.bytes().rposition(|b| b == b'/').unwrap_or(0));
            }
            s => {
                if parts > 0 {
                    out.push('/');
                }
                out.push_str(s);
                parts += 1;
            }
        }
        start = stop + 1;
    }
    true
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
    // As a Markdown link's target or an attribute first: the same text may stand earlier
    // as a word (or in the front matter).
    let written = [
        format!("]({value}"),
        format!("](<{value}"),
        format!("\"{value}\""),
    ];
    let spot = written
        .iter()
        .find_map(|w| text.find(w.as_str()).map(|i| i + w.len() - value.len()))
        .or_else(|| text.find(value))
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
        if let Some(comment) = rest.strip_prefix(b"!--") {
            rest = &comment[comment_end(comment)..];
            continue;
        }
        if let Some(skip) = bare_tag(rest) {
            rest = &rest[skip..];
            continue;
        }
        let end = tag_end(rest);
        let inside = &rest[..end];
        let name_end = inside
            .iter()
            .position(|&c| c.is_ascii_whitespace() || c == b'/')
            .unwrap_or(inside.len());
        let tag = &inside[..name_end];
        parse_attrs(tag, &inside[name_end..], &mut found);
        if is_raw_text(tag) {
            let body_end = end_tag(rest, tag);
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

/// Elements whose content is text up to their end tag, as browsers parse them: nothing in
/// it is a tag or a comment (`<textarea><!--</textarea>` ends the textarea). Their bodies are
/// skipped, but for `<style>`'s CSS, which is scanned.
const RAW_TEXT: [&[u8]; 7] = [
    b"script",
    b"style",
    b"textarea",
    b"title",
    b"xmp",
    b"noembed",
    b"noframes",
];

fn is_raw_text(tag: &[u8]) -> bool {
    RAW_TEXT.iter().any(|t| tag.eq_ignore_ascii_case(t))
}

/// Where the end tag `</name` starts in `rest`, written in any case.
fn end_tag(rest: &[u8], name: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&rest[from..], b"</") {
        let at = from + i;
        if rest[at + 2..]
            .get(..name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
        {
            return Some(at);
        }
        from = at + 2;
    }
    None
}

/// How far after `<!--` a comment ends, as browsers read it: at `-->` or `--!>`; `<!-->` and
/// `<!--->` are empty comments.
fn comment_end(after_open: &[u8]) -> usize {
    if after_open.starts_with(b">") {
        return 1;
    }
    if after_open.starts_with(b"->") {
        return 2;
    }
    let close = memchr::memmem::find(after_open, b"-->").map(|i| i + 3);
    let bang = memchr::memmem::find(after_open, b"--!>").map(|i| i + 4);
    match (close, bang) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b).unwrap_or(after_open.len()),
    }
}

/// Where a tag ends: its first `>` outside a quoted attribute value (`title=">"` does not end
/// it). Jumps between `>` and quotes; a quote opens a value only right after `=`.
fn tag_end(rest: &[u8]) -> usize {
    let mut at = 0;
    while let Some(i) = memchr::memchr3(b'>', b'"', b'\'', &rest[at..]) {
        let i = at + i;
        let c = rest[i];
        if c == b'>' {
            return i;
        }
        let opens_value = rest[..i].iter().rev().find(|b| !b.is_ascii_whitespace()) == Some(&b'=');
        at = match (opens_value, memchr::memchr(c, &rest[i + 1..])) {
            (true, Some(close)) => i + 1 + close + 1,
            (true, None) => return rest.len(),
            (false, _) => i + 1,
        };
    }
    rest.len()
}

/// The length of a tag with nothing to scan, `p>` or `/strong>` after its `<` (most tags of
/// prose): an end tag or a start tag without attributes, other than the raw-text elements
/// ([`RAW_TEXT`]), whose bodies are skipped or scanned.
fn bare_tag(after_lt: &[u8]) -> Option<usize> {
    let end = after_lt.first() == Some(&b'/');
    let name = &after_lt[usize::from(end)..];
    let n = name
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    let tag = &name[..n];
    let special = !end && is_raw_text(tag);
    (n > 0 && name.get(n) == Some(&b'>') && !special).then_some(usize::from(end) + n + 1)
}

/// `s` without its leading whitespace (and slashes, if `also_slash`).
fn skip(s: &[u8], also_slash: bool) -> &[u8] {
    let n = s
        .iter()
        .take_while(|&&c| c.is_ascii_whitespace() || (also_slash && c == b'/'))
        .count();
    &s[n..]
}

/// The attribute `name` (in any case) as the scanner knows it: one of [`URL_ATTRS`], `id`,
/// `srcset` or `style`; SVG's `xlink:href` is read as `href`.
fn known_attr(name: &[u8]) -> Option<&'static [u8]> {
    let mut buf = [0u8; 10];
    let lower = buf.get_mut(..name.len())?;
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    if lower == b"xlink:href" {
        return Some(b"href");
    }
    URL_ATTRS
        .iter()
        .map(|(a, _)| a.as_bytes())
        .chain([&b"id"[..], b"srcset", b"style"])
        .find(|a| *a == &*lower)
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
        if let Some(known) = known_attr(name) {
            found(tag, known, value);
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
    fn settling_drops_only_links_known_to_land() {
        let mut links = scan(&Output {
            path: "a/b.html".into(),
            bytes: br##"<a href="../index.html">ok</a><a href="../gone.html">x</a>
                <a href="../index.html#top">f</a><img src="https://example.org/x.png">"##
                .to_vec(),
        });
        let known: FxHashSet<&str> = ["index.html", "a/b.html"].into_iter().collect();
        links.settle(&known, None);
        let left: Vec<&str> = links
            .found
            .as_ref()
            .unwrap()
            .links
            .iter()
            .map(|l| l.value.as_str())
            .collect();
        assert_eq!(
            left,
            [
                "../gone.html",
                "../index.html#top",
                "https://example.org/x.png"
            ],
            "a link to a known file stays out; unknown files, fragments and fetches wait"
        );
        let mut fine = scan(&Output {
            path: "index.html".into(),
            bytes: br#"<a href="a/b.html">b</a>"#.to_vec(),
        });
        fine.settle(&known, None);
        assert!(fine.found.is_none(), "nothing left to hold");
    }

    #[test]
    fn links_resolve_against_the_page_folder() {
        let cases = [
            ("index.html", "x.html", Some("x.html")),
            ("a/b.html", "../x.html", Some("x.html")),
            ("a/b/c.html", "../../x.html", Some("x.html")),
            ("a/b.html", "./x.html", Some("a/x.html")),
            ("a/b.html", "c//x.html", Some("a/c/x.html")),
            ("a/b.html", "c/../x.html", Some("a/x.html")),
            ("a/b.html", "c/", Some("a/c")),
            ("a//b.html", "../x.html", Some("a/x.html")),
            ("a/b.html", "../../x.html", None),
            ("index.html", "..", None),
        ];
        let mut target = String::new();
        for (from, rel, want) in cases {
            let joined = join(from, rel).ok();
            assert_eq!(joined.as_deref(), want, "{from} + {rel}");
            let plain = plain_target(from, rel, &mut target);
            assert_eq!(
                plain.then_some(target.as_str()),
                want,
                "plain {from} + {rel}"
            );
        }
        for v in [
            "x.html#f",
            "x.html?q",
            "https://e.org/x",
            "x%20y.html",
            "/x.html",
            "",
        ] {
            assert!(
                !plain_target("a/b.html", v, &mut target),
                "{v} is for the full check"
            );
        }
    }

    #[test]
    fn a_fragment_into_a_page_without_ids_is_broken() {
        let errs = run(&[
            ("index.html", r##"<a href="a.html#x">a</a>"##),
            ("a.html", "<p>no ids</p>"),
        ]);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].contains("has no element with id `x`"), "{errs:?}");
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
    fn only_tags_without_attributes_are_skipped_whole() {
        assert_eq!(bare_tag(b"p>text"), Some(2));
        assert_eq!(bare_tag(b"/strong> more"), Some(8));
        assert_eq!(bare_tag(b"/style>"), Some(7));
        for scanned in [
            &b"a href=x>"[..],
            b"style>",
            b"SCRIPT>",
            b"br/>",
            b">",
            b"/>",
        ] {
            assert_eq!(
                bare_tag(scanned),
                None,
                "{}",
                String::from_utf8_lossy(scanned)
            );
        }
        let errs = run(&[(
            "index.html",
            r#"<p><em>a</em></p><STYLE>p { background: url(https://cdn.example/e.png) }</STYLE>"#,
        )]);
        assert!(errs.iter().any(|e| e.contains("e.png")), "{errs:?}");
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
    fn posters_backgrounds_pings_image_sets_and_css_escapes_are_outside_fetches_too() {
        let errs = run(&[(
            "index.html",
            concat!(
                r##"<video poster="https://cdn.example/a.png"></video>"##,
                r##"<table background="https://cdn.example/b.png"></table>"##,
                r##"<a href="index.html" ping="https://cdn.example/c">x</a>"##,
                r##"<p style="background-image: image-set('https://cdn.example/d.png' 1x)">x</p>"##,
                r##"<style>p { background: url(\68ttps://cdn.example/e.png) }</style>"##,
                r##"<form action="https://example.org/elsewhere"></form>"##,
            ),
        )]);
        assert_eq!(errs.len(), 5, "{errs:?}");
        for host in ["a.png", "b.png", "/c", "d.png", "e.png"] {
            assert!(errs.iter().any(|e| e.contains(host)), "{host}: {errs:?}");
        }
    }

    #[test]
    fn the_scanner_reads_tags_comments_and_urls_as_browsers_do() {
        let fetches = [
            r##"<img alt=">" src="http://evil.example/a.png">"##,
            "<STYLE></style>\n<p><img src=\"http://evil.example/b.png\"></p>",
            r##"<!-- a --!> <img src="http://evil.example/c.png"> -->"##,
            r##"<textarea><!--</textarea><img src="http://evil.example/d.png"><!-- -->"##,
            r##"<img src=" //evil.example/../../index.html?e">"##,
            r##"<img src="&#9;//evil.example/../../index.html?f">"##,
            r##"<img src="\\evil.example/../index.html?g">"##,
            r##"<img src="&bsol;&bsol;evil.example/../index.html?h">"##,
            r##"<span style="background:url(' //evil.example/../../index.html?i')">x</span>"##,
            r##"<style>@import/**/"http://evil.example/j.css";</style>"##,
            r##"<span style="background:url&lpar;http://evil.example/k.png)">x</span>"##,
        ];
        for html in fetches {
            let errs = run(&[("index.html", html)]);
            assert!(
                errs.iter().any(|e| e.contains("evil.example")),
                "{html}: {errs:?}"
            );
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
