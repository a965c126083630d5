//! Marks up the source page without changing a word of it:
//! - every verified quote is wrapped in a mark (`mark mark-quotation`, `mark-paraphrase`,
//!   `mark-passage`) with its anchor `#q-<id>`, split at paragraph breaks since a `<span>`
//!   cannot cross paragraphs; an excerpt gets an anchor only (its quote is already marked);
//! - every quotation and paraphrase gets one attribution note, an element with
//!   `role="note"` placed after the paragraph where it begins (never inside a sentence), that
//!   its marks point at with `aria-describedby`;
//! - the first use of every `mentions` name links to its page.

use std::ops::Range;

use crate::diagnostics::Diagnostics;
use crate::labels;
use crate::markdown::{Annotation, BlockNote};
use crate::quotes::{self, Normalized};
use crate::site::{Kind, Site, quote_anchor, root_prefix};
use crate::validate::Verified;

/// Everything added to the source page's text.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SourceMarks {
    pub inline: Vec<Annotation>,
    pub notes: Vec<BlockNote>,
}

pub fn source_annotations(
    site: &Site,
    verified: &Verified,
    diags: &mut Diagnostics,
) -> SourceMarks {
    let Some(src) = site.source else {
        return SourceMarks::default();
    };
    let page = site.page(src);
    let Some(body) = page.kept_body() else {
        return SourceMarks::default(); // never: the source page keeps its body
    };
    let root = root_prefix(&page.url);
    let mut marks = SourceMarks::default();
    for (id, range) in &verified.quote_spans {
        let at = site.quotes[id];
        let kind = site.attribution(at).kind;
        let noted = at.excerpt.is_none() && kind != Kind::Passage;
        let class = match at.excerpt {
            Some(_) => "excerpt".to_string(),
            None => format!("mark mark-{}", kind.name()),
        };
        let pieces = paragraph_pieces(body, range.clone());
        for (n, piece) in pieces.iter().enumerate() {
            let ann = Annotation {
                range: piece.clone(),
                open: span_open(&class, id, n == 0, noted),
                close: "</span>".into(),
            };
            if marks.inline.iter().any(|a| crosses(&a.range, &ann.range)) {
                let speaker = site.page(at.page);
                let line = speaker.toml_line(site.quote_id(at).span().start);
                diags.push(speaker.error(line, format!(
                    "quote `{id}` overlaps another quote in the article without containing it"
                )).with_hint("make one quote contain the other, or split them where they meet"));
                break;
            }
            marks.inline.push(ann);
        }
        if noted && let Some(first) = pieces.first() {
            marks.notes.push(BlockNote {
                at: first.start,
                html: note(site, id, &root),
            });
        }
    }
    match &verified.source {
        Some(norm) => add_mentions(site, src, body, norm, &root, &mut marks.inline),
        None => add_mentions(
            site,
            src,
            body,
            &Normalized::new(body),
            &root,
            &mut marks.inline,
        ),
    }
    marks
        .inline
        .sort_by_key(|a| (a.range.start, std::cmp::Reverse(a.range.end)));
    marks.notes.sort_by_key(|n| n.at);
    marks
}

/// The opening tag around one paragraph of a quote: the first carries the anchor; a noted
/// quote's every piece points at its note.
fn span_open(class: &str, id: &str, first: bool, noted: bool) -> String {
    let anchor = if first {
        format!(" id=\"{}\"", quote_anchor(id))
    } else {
        String::new()
    };
    let described = if noted {
        format!(" aria-describedby=\"{}\"", note_id(id))
    } else {
        String::new()
    };
    format!("<span class=\"{class}\"{anchor}{described}>")
}

pub fn note_id(id: &str) -> String {
    format!("note-{}", quote_anchor(id))
}

/// One attribution note: the kind, then who speaks, linked to the quote on their page.
fn note(site: &Site, id: &str, root: &str) -> String {
    let at = site.quotes[id];
    let attr = site.attribution(at);
    let href = format!("{}#{}", site.page(at.page).url, quote_anchor(id));
    format!(
        "<p class=\"note note-{kind}\" role=\"note\" id=\"{nid}\"><span class=\"note-kind\">{name}</span> {label}</p>",
        kind = attr.kind.name(),
        nid = note_id(id),
        name = escape(&labels::kind_name(site, attr.kind)),
        label = labels::label_html(
            &site.strings,
            attr.kind,
            &labels::person_html(
                &site.page(attr.speaker).fm.title,
                Some(&format!("{root}{href}"))
            ),
            attr.via
                .map(|v| {
                    let p = site.page(v);
                    labels::person_html(&p.fm.title, Some(&format!("{root}{}", p.url)))
                })
                .as_deref(),
        ),
    )
}

/// First use of each page's `mentions` in the source links to that page.
fn add_mentions(
    site: &Site,
    src: usize,
    body: &str,
    norm: &Normalized,
    root: &str,
    anns: &mut Vec<Annotation>,
) {
    for (p, page) in site.pages.iter().enumerate() {
        if p == src || page.fm.mentions.is_empty() {
            continue;
        }
        let mut found: Vec<Range<usize>> = page
            .fm
            .mentions
            .iter()
            .flat_map(|m| occurrences(norm, body, m.get_ref()))
            .collect();
        found.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
        let spot = found.into_iter().find(|r| {
            !anns.iter().any(|a| {
                crosses(&a.range, r) || (a.open.starts_with("<a") && overlaps(&a.range, r))
            })
        });
        if let Some(range) = spot {
            anns.push(Annotation {
                range,
                open: format!("<a class=\"mention\" href=\"{root}{}\">", page.url),
                close: "</a>".into(),
            });
        }
    }
}

/// Every whole-word occurrence of `needle` in `body`, as original byte ranges.
fn occurrences(norm: &Normalized, body: &str, needle: &str) -> Vec<Range<usize>> {
    let n = quotes::normalize_quote(needle);
    if n.is_empty() {
        return Vec::new();
    }
    norm.text
        .match_indices(&n)
        .map(|(i, _)| norm.original_range(i..i + n.len()))
        .filter(|r| is_word_edge(body, r.start, true) && is_word_edge(body, r.end, false))
        .collect()
}

fn is_word_edge(body: &str, at: usize, before: bool) -> bool {
    let c = if before {
        body[..at].chars().next_back()
    } else {
        body[at..].chars().next()
    };
    !c.is_some_and(char::is_alphanumeric)
}

/// Splits a range at blank lines and trims whitespace off each piece.
fn paragraph_pieces(body: &str, range: Range<usize>) -> Vec<Range<usize>> {
    let text = &body[range.clone()];
    let mut pieces = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' {
            let rest = &text[i + 1..];
            let blank =
                rest.split('\n').next().is_some_and(|l| l.trim().is_empty()) && rest.contains('\n');
            if blank {
                pieces.push(start..i);
                let skip = rest.len() - rest.trim_start().len();
                i += 1 + skip;
                start = i;
                continue;
            }
        }
        i += 1;
    }
    pieces.push(start..text.len());
    pieces
        .into_iter()
        .filter_map(|r| {
            let piece = &text[r.clone()];
            let lead = piece.len() - piece.trim_start().len();
            let trail = piece.len() - piece.trim_end().len();
            (r.end - trail > r.start + lead)
                .then(|| range.start + r.start + lead..range.start + r.end - trail)
        })
        .collect()
}

fn crosses(a: &Range<usize>, b: &Range<usize>) -> bool {
    (a.start < b.start && b.start < a.end && a.end < b.end)
        || (b.start < a.start && a.start < b.end && b.end < a.end)
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_split_at_blank_lines() {
        let body = "ab cd\n\nef gh";
        assert_eq!(paragraph_pieces(body, 3..10), vec![3..5, 7..9]);
    }

    #[test]
    fn mentions_match_whole_words_only() {
        let body = "Khamenei and Khameneism";
        let n = Normalized::new(body);
        assert_eq!(occurrences(&n, body, "Khamenei"), vec![0..8]);
    }
}
