//! Marks up the source page: an anchor `#q-<id>` around every verified quote (split at
//! paragraph breaks, since a `<span>` cannot cross paragraphs), a link from each quote to its
//! speaker's page, and a link on the first use of every `mentions` name.

use std::ops::Range;

use crate::diagnostics::Diagnostics;
use crate::markdown::Annotation;
use crate::quotes::{self, Normalized};
use crate::site::{Site, quote_anchor, root_prefix};
use crate::validate::Verified;

pub fn source_annotations(
    site: &Site,
    verified: &Verified,
    diags: &mut Diagnostics,
) -> Vec<Annotation> {
    let Some(src) = site.source else {
        return Vec::new();
    };
    let page = site.page(src);
    let Some(body) = page.kept_body() else {
        return Vec::new(); // never: the source page keeps its body
    };
    let root = root_prefix(&page.url);
    let mut anns: Vec<Annotation> = Vec::new();
    for (id, range) in &verified.quote_spans {
        let at = site.quotes[id];
        let speaker = site.page(at.page);
        let spoken = at.page != src;
        let pieces = paragraph_pieces(body, range.clone());
        let last = pieces.len().saturating_sub(1);
        for (n, piece) in pieces.into_iter().enumerate() {
            // A reported view is the article's words about someone, not their words: it is
            // marked and announced as such, never as a quote.
            let reported = site.quote(at).reported;
            let class = match (spoken, reported) {
                (false, _) => "passage",
                (true, true) => "reported",
                (true, false) => "quote",
            };
            let label = if reported {
                "The article reports on "
            } else {
                "Quote by "
            };
            let anchor = if n == 0 {
                format!(" id=\"{}\"", quote_anchor(id))
            } else {
                String::new()
            };
            let mut close = "</span>".to_string();
            if n == last && spoken {
                close.push_str(&format!(
                    "<a class=\"quote-by\" href=\"{root}{}#{}\"><span class=\"visually-hidden\">{label}</span>{}</a>",
                    speaker.url,
                    quote_anchor(id),
                    escape(&speaker.fm.title)
                ));
            }
            let ann = Annotation {
                range: piece,
                open: format!("<span class=\"{class}\"{anchor}>"),
                close,
            };
            if anns.iter().any(|a| crosses(&a.range, &ann.range)) {
                let q = site.quote(at);
                diags.push(speaker.error(speaker.toml_line(q.id.span().start), format!(
                    "quote `{id}` overlaps another quote in the article without containing it"
                )).with_hint("make one quote contain the other, or split them where they meet"));
                break;
            }
            anns.push(ann);
        }
    }
    add_mentions(site, src, body, &root, &mut anns);
    anns.sort_by_key(|a| (a.range.start, std::cmp::Reverse(a.range.end)));
    anns
}

/// First use of each page's `mentions` in the source links to that page.
fn add_mentions(site: &Site, src: usize, body: &str, root: &str, anns: &mut Vec<Annotation>) {
    let norm = Normalized::new(body);
    for (p, page) in site.pages.iter().enumerate() {
        if p == src || page.fm.mentions.is_empty() {
            continue;
        }
        let mut found: Vec<Range<usize>> = page
            .fm
            .mentions
            .iter()
            .flat_map(|m| occurrences(&norm, body, m.get_ref()))
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
