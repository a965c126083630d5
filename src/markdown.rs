//! Markdown to HTML with pulldown-cmark, plus two things lede adds on the way:
//! - links written as references (`[text](@/figures/x.md#frag)`) become relative URLs;
//! - annotations (quote anchors, first-mention links) are woven into the text at exact
//!   byte ranges of the source, without changing a character of it.

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

use crate::site::REF_PREFIX;

/// HTML to wrap around a byte range of the Markdown source. Ranges must nest, never cross.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub range: Range<usize>,
    pub open: String,
    pub close: String,
}

/// HTML placed right after the block (paragraph, list item, …) that holds byte `at` of the
/// source: a note about a passage that must not interrupt its sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockNote {
    pub at: usize,
    pub html: String,
}

/// A link that could not be resolved: byte offset in the body and the reason.
pub type LinkError = (usize, String);

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Renders `body`; `resolve` turns a reference into a URL relative to the page being rendered.
/// `notes` (sorted by `at`) follow the top-level block that holds them, grouped in one
/// `<div class="notes">` per block.
pub fn render(
    body: &str,
    resolve: &dyn Fn(&str) -> Result<String, String>,
    annotations: &[Annotation],
    notes: &[BlockNote],
    errors: &mut Vec<LinkError>,
) -> String {
    let mut out = String::with_capacity(body.len() * 3 / 2);
    if annotations.is_empty() && notes.is_empty() {
        // Every page but the source: events go straight to HTML, with no list of them.
        let events = Parser::new_ext(body, options())
            .into_offset_iter()
            .map(|(event, range)| rewrite_link(event, resolve, range.start, errors));
        html::push_html(&mut out, events);
        return out;
    }
    let mut weaver = Weaver::new(body, annotations);
    let mut events = Vec::new();
    let mut depth = 0usize;
    let mut next_note = 0;
    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        match event {
            Event::Text(text) => weaver.text(text, range, &mut events),
            Event::Start(tag) => {
                if is_container(&tag) {
                    depth += 1;
                }
                events.push(rewrite_link(
                    Event::Start(tag),
                    resolve,
                    range.start,
                    errors,
                ));
            }
            Event::End(end) => {
                if is_block_end(&end) {
                    weaver.close_all(&mut events);
                }
                let container = is_block_end(&end);
                events.push(Event::End(end));
                if container {
                    depth = depth.saturating_sub(1);
                }
                if container && depth == 0 {
                    let first = next_note;
                    while notes.get(next_note).is_some_and(|n| n.at < range.end) {
                        next_note += 1;
                    }
                    if next_note > first {
                        events.push(Event::Html(CowStr::from(notes_html(
                            &notes[first..next_note],
                        ))));
                    }
                }
            }
            other => events.push(rewrite_link(other, resolve, range.start, errors)),
        }
    }
    weaver.close_all(&mut events);
    html::push_html(&mut out, events.into_iter());
    out
}

/// Markdown is text, not code: raw HTML in it may not hold `<script>`, `<iframe>`,
/// `<object>`, `<embed>` or event handlers (`onclick=…`), and no link, image or attribute
/// in it may use a `javascript:`, `vbscript:` or `data:` URL. Templates, the site's code,
/// may. Returns (byte offset in `body`, what is wrong).
pub fn code_in_markdown(body: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    if !may_hold_code(body) {
        return found; // most pages: no second parse
    }
    // An HTML block comes one line at a time; a tag may run over lines, so a block is
    // checked whole.
    let mut block: Option<(usize, String)> = None;
    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::HtmlBlock) => block = Some((range.start, String::new())),
            Event::End(TagEnd::HtmlBlock) => {
                if let Some((at, html)) = block.take()
                    && let Some(why) = code_in_html(&html)
                {
                    found.push((at, why));
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => match &mut block {
                Some((_, lines)) => lines.push_str(&html),
                None => {
                    if let Some(why) = code_in_html(&html) {
                        found.push((range.start, why));
                    }
                }
            },
            Event::Start(Tag::Heading { attrs, .. }) if !attrs.is_empty() => {
                found.push((
                    range.start,
                    format!(
                        "the attribute `{}` on a heading (a heading may set only {{#id}} and {{.class}})",
                        attrs[0].0
                    ),
                ));
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                if let Some(scheme) = code_scheme(&dest_url) {
                    found.push((range.start, format!("a `{scheme}` URL in Markdown")));
                }
            }
            _ => {}
        }
    }
    found
}

/// Whether `body` could hold raw HTML or a code URL at all: a `<`, an entity or a backslash
/// escape (either can spell a URL's `:`), or a `:` right after `script` or `data` in any
/// case. Checked with byte scans, so a page without any of them is not parsed a second time.
fn may_hold_code(body: &str) -> bool {
    let b = body.as_bytes();
    let ends_with =
        |i: usize, word: &[u8]| i >= word.len() && b[i - word.len()..i].eq_ignore_ascii_case(word);
    memchr::memchr3(b'<', b'&', b'\\', b).is_some()
        || memchr::memchr(b'{', b).is_some() // heading attributes
        || memchr::memchr_iter(b':', b).any(|i| ends_with(i, b"script") || ends_with(i, b"data"))
}

/// Elements that run code, load a page or a plugin, send the reader elsewhere or change what
/// the page's links mean: never in Markdown.
const CODE_TAGS: [&str; 14] = [
    "script", "iframe", "object", "embed", "form", "base", "meta", "link", "svg", "math", "frame",
    "frameset", "applet", "portal",
];

fn code_in_html(html: &str) -> Option<String> {
    // Browsers read `&#106;avascript:` as `javascript:`: look at the text as they do.
    let lower = decode_entities(html).to_ascii_lowercase();
    for tag in CODE_TAGS {
        let opens = lower.match_indices(&format!("<{tag}")).any(|(i, m)| {
            lower[i + m.len()..]
                .chars()
                .next()
                .is_none_or(|c| c.is_ascii_whitespace() || c == '>' || c == '/')
        });
        if opens {
            return Some(format!("raw HTML `<{tag}>` in Markdown"));
        }
    }
    let bytes = lower.as_bytes();
    // Wherever it stands: a `>` inside a quoted value does not end the tag, and a handler may
    // follow a closing quote with no space (`title="a"onerror=…`).
    for (i, _) in lower.match_indices("on") {
        let after_space = i > 0 && matches!(bytes[i - 1], b'/' | b'"' | b'\'' | 0..=b' ');
        let name_len = lower[i + 2..]
            .bytes()
            .take_while(u8::is_ascii_alphabetic)
            .count();
        let rest = lower[i + 2 + name_len..].trim_start();
        if after_space && name_len > 0 && rest.starts_with('=') {
            let name = &lower[i..i + 2 + name_len];
            return Some(format!(
                "an event handler `{name}=` in raw HTML in Markdown"
            ));
        }
    }
    // Browsers drop spaces and control characters around and inside a scheme.
    let compact: String = lower
        .chars()
        .filter(|&c| c > ' ' && c != '\u{7f}')
        .collect();
    for scheme in ["javascript:", "vbscript:", "data:"] {
        if compact.contains(&format!("=\"{scheme}"))
            || compact.contains(&format!("='{scheme}"))
            || compact.contains(&format!("={scheme}"))
        {
            return Some(format!(
                "a `{}` URL in raw HTML in Markdown",
                &scheme[..scheme.len() - 1]
            ));
        }
    }
    None
}

/// `text` with numeric character references (`&#106;`, `&#x6A`, with or without `;`) and
/// the named ones that can spell a URL (`&colon;`, `&Tab;`, `&NewLine;`, `&sol;`) or that
/// escapers write (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`) replaced by their characters.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let (c, used) = entity(after).unwrap_or(('&', 0));
        out.push(c);
        rest = &after[used..];
    }
    out.push_str(rest);
    out
}

/// The character an entity after `&` stands for, and how many bytes it took.
fn entity(after: &str) -> Option<(char, usize)> {
    let semi = |n: usize| n + usize::from(after[n..].starts_with(';'));
    if let Some(num) = after.strip_prefix('#') {
        let (digits, radix, skip) = match num.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 2),
            None => (num, 10, 1),
        };
        let len = digits.chars().take_while(|c| c.is_digit(radix)).count();
        if len == 0 {
            return None;
        }
        // Leading zeros do not count (`&#0000000106;` is `j`); too big a number is U+FFFD.
        let code = match digits[..len].trim_start_matches('0') {
            "" => 0,
            significant => u32::from_str_radix(significant, radix).unwrap_or(0xfffd),
        };
        return Some((char::from_u32(code).unwrap_or('\u{fffd}'), semi(skip + len)));
    }
    let name_len = after.chars().take_while(char::is_ascii_alphabetic).count();
    let c = match after[..name_len].to_ascii_lowercase().as_str() {
        "colon" => ':',
        "tab" => '\t',
        "newline" => '\n',
        "sol" => '/',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "lpar" => '(',
        "rpar" => ')',
        "bsol" => '\\',
        "period" => '.',
        "num" => '#',
        "quest" => '?',
        "excl" => '!',
        "commat" => '@',
        "percnt" => '%',
        "equals" => '=',
        "semi" => ';',
        "comma" => ',',
        "plus" => '+',
        "lowbar" => '_',
        "nbsp" => '\u{a0}',
        _ => return None,
    };
    Some((c, semi(name_len)))
}

fn code_scheme(url: &str) -> Option<&'static str> {
    let lower: String = url
        .trim_start()
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
        .take(11)
        .collect::<String>()
        .to_ascii_lowercase();
    ["javascript", "vbscript", "data"]
        .into_iter()
        .find(|s| lower.starts_with(&format!("{s}:")))
}

/// A short Markdown string (a comparison cell's summary) as inline HTML: one paragraph loses
/// its `<p>`. `@/` links are resolved like a page body's; the first that fails is the error.
pub fn render_inline(
    text: &str,
    resolve: &dyn Fn(&str) -> Result<String, String>,
) -> Result<String, String> {
    let out = render_block(text, resolve)?;
    let trimmed = out.trim_end();
    match trimmed
        .strip_prefix("<p>")
        .and_then(|s| s.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => Ok(inner.to_string()),
        _ => Ok(out),
    }
}

/// A short Markdown text (a note) as block HTML, its paragraphs kept.
pub fn render_block(
    text: &str,
    resolve: &dyn Fn(&str) -> Result<String, String>,
) -> Result<String, String> {
    let mut errors = Vec::new();
    let mut inert = Inert::default();
    let events: Vec<Event<'_>> = Parser::new_ext(text, options())
        .filter_map(|event| inert.event(event))
        .map(|event| rewrite_link(event, resolve, 0, &mut errors))
        .collect();
    if let Some((_, why)) = errors.into_iter().next() {
        return Err(why);
    }
    let mut out = String::new();
    html::push_html(&mut out, events.into_iter());
    Ok(out)
}

/// Short Markdown from front matter (summaries, notes) rendered by a template's `markdown`
/// filter, which no content check sees: raw HTML shows as text, a link or image with a code
/// URL keeps only its text, and a heading keeps no attributes.
#[derive(Default)]
struct Inert {
    /// For each open link or image: whether it was dropped.
    open: Vec<bool>,
}

impl Inert {
    fn event<'a>(&mut self, event: Event<'a>) -> Option<Event<'a>> {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => Some(Event::Text(html)),
            Event::Start(Tag::Link { ref dest_url, .. } | Tag::Image { ref dest_url, .. }) => {
                let drop = code_scheme(dest_url).is_some();
                self.open.push(drop);
                (!drop).then_some(event)
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                (self.open.pop() != Some(true)).then_some(event)
            }
            Event::Start(Tag::Heading { level, .. }) => Some(Event::Start(Tag::Heading {
                level,
                id: None,
                classes: Vec::new(),
                attrs: Vec::new(),
            })),
            other => Some(other),
        }
    }
}

/// A link to an `@/` reference gets its resolved URL (a failure is recorded at `at` and the
/// link kept as written); every other event passes through.
fn rewrite_link<'a>(
    event: Event<'a>,
    resolve: &dyn Fn(&str) -> Result<String, String>,
    at: usize,
    errors: &mut Vec<LinkError>,
) -> Event<'a> {
    let Event::Start(Tag::Link {
        link_type,
        dest_url,
        title,
        id,
    }) = event
    else {
        return event;
    };
    let dest_url = if dest_url.starts_with(REF_PREFIX) {
        match resolve(&dest_url) {
            Ok(url) => CowStr::from(url),
            Err(why) => {
                errors.push((at, why));
                dest_url
            }
        }
    } else {
        dest_url
    };
    Event::Start(Tag::Link {
        link_type,
        dest_url,
        title,
        id,
    })
}

fn notes_html(notes: &[BlockNote]) -> String {
    let mut html = String::from("<div class=\"notes\">");
    for n in notes {
        html.push_str(&n.html);
    }
    html.push_str("</div>\n");
    html
}

/// Tags that open a block (so their end closes one): everything but inline formatting.
fn is_container(tag: &Tag) -> bool {
    !matches!(
        tag,
        Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. } | Tag::Image { .. }
    )
}

fn is_block_end(end: &TagEnd) -> bool {
    !matches!(
        end,
        TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Link | TagEnd::Image
    )
}

/// What happens at an annotation boundary; the order is the order at one position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Bound {
    Close,
    /// An annotation with an empty range: its `open` is inserted there, nothing is wrapped.
    Point,
    Open,
}

/// Inserts annotation tags between text events, splitting text at annotation boundaries.
struct Weaver<'a> {
    body: &'a str,
    annotations: &'a [Annotation],
    /// (position, kind, annotation index), in emission order.
    bounds: Vec<(usize, Bound, usize)>,
    next: usize,
    open: Vec<usize>,
    closed: Vec<bool>,
}

impl<'a> Weaver<'a> {
    fn new(body: &'a str, annotations: &'a [Annotation]) -> Self {
        let mut bounds = Vec::with_capacity(annotations.len() * 2);
        for (i, a) in annotations.iter().enumerate() {
            if a.range.is_empty() {
                bounds.push((a.range.start, Bound::Point, i));
            } else {
                bounds.push((a.range.start, Bound::Open, i));
                bounds.push((a.range.end, Bound::Close, i));
            }
        }
        // At one position: closes first (inner first), then points, then opens (outer first).
        bounds.sort_by(|x, y| {
            let key = |b: &(usize, Bound, usize)| {
                let a = &annotations[b.2];
                let nest = match b.1 {
                    Bound::Open => usize::MAX - a.range.end,
                    Bound::Close => usize::MAX - a.range.start,
                    Bound::Point => 0,
                };
                (b.0, b.1, nest)
            };
            key(x).cmp(&key(y))
        });
        Weaver {
            body,
            annotations,
            bounds,
            next: 0,
            open: Vec::new(),
            closed: vec![false; annotations.len()],
        }
    }

    fn text(&mut self, text: CowStr<'a>, range: Range<usize>, events: &mut Vec<Event<'a>>) {
        if self.next >= self.bounds.len() {
            events.push(Event::Text(text));
            return;
        }
        self.emit_until(range.start, true, events);
        let exact = self.body.get(range.clone()) == Some(&*text);
        if exact {
            let mut from = range.start;
            while let Some(&(pos, _, _)) = self.bounds.get(self.next) {
                if pos >= range.end {
                    break;
                }
                if pos > from {
                    events.push(Event::Text(CowStr::from(self.body[from..pos].to_string())));
                    from = pos;
                }
                self.emit_one(events);
            }
            events.push(Event::Text(CowStr::from(
                self.body[from..range.end].to_string(),
            )));
        } else {
            events.push(Event::Text(text));
        }
        self.emit_until(range.end, false, events);
    }

    /// Emits boundaries up to `pos`: opens only when `opens` (before text), closes always.
    fn emit_until(&mut self, pos: usize, opens: bool, events: &mut Vec<Event<'a>>) {
        while let Some(&(p, kind, _)) = self.bounds.get(self.next) {
            // After text, an open exactly at its end waits for the next text; one inside text
            // we could not split is emitted late rather than lost. A point at the end of text
            // belongs to it (a badge after a paragraph's last word).
            if p > pos || (kind == Bound::Open && !opens && p == pos) {
                break;
            }
            self.emit_one(events);
        }
    }

    fn emit_one(&mut self, events: &mut Vec<Event<'a>>) {
        let (_, kind, i) = self.bounds[self.next];
        self.next += 1;
        let a = &self.annotations[i];
        if kind == Bound::Point {
            events.push(Event::InlineHtml(CowStr::from(a.open.clone())));
        } else if kind == Bound::Open {
            self.open.push(i);
            events.push(Event::InlineHtml(CowStr::from(a.open.clone())));
        } else if !self.closed[i] && self.open.contains(&i) {
            // Close inner annotations still open above this one, to keep tags nested.
            while let Some(top) = self.open.pop() {
                self.closed[top] = true;
                events.push(Event::InlineHtml(CowStr::from(
                    self.annotations[top].close.clone(),
                )));
                if top == i {
                    break;
                }
            }
        }
    }

    /// At the end of a block nothing inline may stay open.
    fn close_all(&mut self, events: &mut Vec<Event<'a>>) {
        while let Some(top) = self.open.pop() {
            self.closed[top] = true;
            events.push(Event::InlineHtml(CowStr::from(
                self.annotations[top].close.clone(),
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_refs(r: &str) -> Result<String, String> {
        Err(format!("unknown {r}"))
    }

    #[test]
    fn references_become_relative_links() {
        let resolve = |r: &str| -> Result<String, String> {
            assert_eq!(r, "@/a.md#x");
            Ok("../a.html#x".into())
        };
        let mut errors = Vec::new();
        let html = render("[A](@/a.md#x)", &resolve, &[], &[], &mut errors);
        assert_eq!(html, "<p><a href=\"../a.html#x\">A</a></p>\n");
        assert!(errors.is_empty());
    }

    #[test]
    fn unknown_reference_is_reported_with_its_offset() {
        let mut errors = Vec::new();
        render("text\n\n[A](@/nope.md)", &no_refs, &[], &[], &mut errors);
        assert_eq!(errors, vec![(6, "unknown @/nope.md".to_string())]);
    }

    #[test]
    fn annotations_wrap_exact_ranges_and_nest() {
        let body = "He said it is fine today.";
        let anns = vec![
            Annotation {
                range: 8..24,
                open: "<q1>".into(),
                close: "</q1>".into(),
            },
            Annotation {
                range: 14..18,
                open: "<m>".into(),
                close: "</m>".into(),
            },
        ];
        let mut errors = Vec::new();
        let html = render(body, &no_refs, &anns, &[], &mut errors);
        assert_eq!(html, "<p>He said <q1>it is <m>fine</m> today</q1>.</p>\n");
    }

    #[test]
    fn an_empty_range_inserts_after_closes_and_before_opens() {
        let body = "“Fine,” he said. “Next.”";
        let at = |s: &str| body.find(s).unwrap();
        let span = |r: std::ops::Range<usize>| Annotation {
            range: r,
            open: "<q>".into(),
            close: "</q>".into(),
        };
        let point = |p: usize| Annotation {
            range: p..p,
            open: "<by/>".into(),
            close: String::new(),
        };
        let anns = vec![
            span(at("Fine")..at(",")),
            point(at(" he")),
            span(at("Next")..at(".”")),
            point(at(".”")),
            span(at(".”")..body.len()),
        ];
        let mut errors = Vec::new();
        let html = render(body, &no_refs, &anns, &[], &mut errors);
        assert_eq!(
            html,
            "<p>“<q>Fine</q>,”<by/> he said. “<q>Next</q><by/><q>.”</q></p>\n"
        );
    }

    #[test]
    fn annotations_never_leak_past_a_paragraph() {
        let body = "One two.\n\nThree four.";
        let anns = vec![Annotation {
            range: 4..15,
            open: "<x>".into(),
            close: "</x>".into(),
        }];
        let mut errors = Vec::new();
        let html = render(body, &no_refs, &anns, &[], &mut errors);
        assert_eq!(html, "<p>One <x>two.</x></p>\n<p>Three four.</p>\n");
    }

    #[test]
    fn code_is_found_however_it_is_spelt_and_plain_text_is_not_parsed_again() {
        for body in [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x](javascript&#58;alert(1))",
            "[x](javascript\\:alert(1))",
            "![x](data:image/png;base64,AAAA)",
            "Text <script>alert(1)</script>",
        ] {
            assert!(!code_in_markdown(body).is_empty(), "{body}");
        }
        assert!(!may_hold_code(
            "Plain text: a colon, [a link](@/a.md) and *emphasis*."
        ));
    }

    #[test]
    fn inline_render_drops_the_paragraph() {
        let none = |r: &str| Err::<String, String>(format!("no {r}"));
        assert_eq!(render_inline("a *b*", &none).unwrap(), "a <em>b</em>");
        let some = |r: &str| Ok::<String, String>(format!("../{}", &r[2..]));
        assert_eq!(
            render_inline("see [A](@/a.md#x)", &some).unwrap(),
            r#"see <a href="../a.md#x">A</a>"#
        );
        assert_eq!(
            render_inline("[A](@/gone.md)", &none).unwrap_err(),
            "no @/gone.md"
        );
    }
}
