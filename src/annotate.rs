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
        // The article's own passages have no speaker badge; a speaker's words point to the
        // badge that names them (their own, or that of a quote of theirs around them).
        let owner = (at.page != src).then(|| badge_owner(site, verified, id));
        let class = match (owner, site.quote(at).reported) {
            (None, _) => "passage",
            // The article's words about someone, not their words: never shown as a quote.
            (Some(_), true) => "reported",
            (Some(_), false) => "quote",
        };
        let pieces = paragraph_pieces(body, range.clone());
        let last = pieces.len().saturating_sub(1);
        for (n, piece) in pieces.into_iter().enumerate() {
            let ann = Annotation {
                range: piece.clone(),
                open: span_open(class, id, n == 0, owner),
                close: "</span>".into(),
            };
            if anns.iter().any(|a| crosses(&a.range, &ann.range)) {
                let q = site.quote(at);
                diags.push(speaker.error(speaker.toml_line(q.id.span().start), format!(
                    "quote `{id}` overlaps another quote in the article without containing it"
                )).with_hint("make one quote contain the other, or split them where they meet"));
                break;
            }
            anns.push(ann);
            if n == last && owner == Some(id.as_str()) {
                let p = badge_at(body, piece.end, enclosing_end(verified, id, body.len()));
                anns.push(Annotation {
                    range: p..p,
                    open: badge(site, id, &root),
                    close: String::new(),
                });
            }
        }
    }
    add_mentions(site, src, body, &root, &mut anns);
    anns.sort_by_key(|a| (a.range.start, std::cmp::Reverse(a.range.end)));
    anns
}

/// The quote whose badge names `id`'s speaker: the outermost quote of the same speaker
/// around it, or itself. One badge then names them all (two side by side would read as two
/// speakers).
fn badge_owner<'v>(site: &Site, verified: &'v Verified, id: &'v str) -> &'v str {
    let range = &verified.quote_spans[id];
    let speaker = site.quotes[id].page;
    verified
        .quote_spans
        .iter()
        .filter(|(other, r)| {
            site.quotes[other.as_str()].page == speaker
                && r.start <= range.start
                && range.end <= r.end
        })
        .max_by_key(|(_, r)| r.len())
        .map_or(id, |(other, _)| other.as_str())
}

/// The opening tag around one paragraph of a quote.
fn span_open(class: &str, id: &str, first: bool, owner: Option<&str>) -> String {
    let anchor = if first {
        format!(" id=\"{}\"", quote_anchor(id))
    } else {
        String::new()
    };
    let described = owner.map_or(String::new(), |o| {
        format!(" aria-describedby=\"{}\"", badge_id(o))
    });
    format!("<span class=\"{class}\"{anchor}{described}>")
}

fn badge_id(id: &str) -> String {
    format!("by-{}", quote_anchor(id))
}

/// The speaker badge after a quote: a link to the quote on the speaker's page, announced as
/// "Quote by …" (or "The article reports on …" for a reported view).
fn badge(site: &Site, id: &str, root: &str) -> String {
    let at = site.quotes[id];
    let speaker = site.page(at.page);
    let label = if site.quote(at).reported {
        "The article reports on "
    } else {
        "Quote by "
    };
    format!(
        "<a class=\"quote-by\" id=\"{}\" href=\"{root}{}#{}\"><span class=\"visually-hidden\">{label}</span>{}</a>",
        badge_id(id),
        speaker.url,
        quote_anchor(id),
        escape(&speaker.fm.title)
    )
}

/// The end of the innermost quote around `id` (or `limit`): a badge may not move past it.
fn enclosing_end(verified: &Verified, id: &str, limit: usize) -> usize {
    let range = &verified.quote_spans[id];
    verified
        .quote_spans
        .iter()
        .filter(|(other, r)| *other != id && r.start <= range.start && range.end < r.end)
        .map(|(_, r)| r.end)
        .fold(limit, usize::min)
}

/// Where a speaker badge goes: after the punctuation and closing quote marks that end the
/// quoted words (`…circles,”`), so it does not split them from the quote, but not past
/// `limit` and never into a word (`Iran’s`).
fn badge_at(body: &str, end: usize, limit: usize) -> usize {
    let closing = |c: char| ",.;:!?…”’\"')]»".contains(c);
    let mut p = end;
    for c in body[end..].chars() {
        if !closing(c) || p + c.len_utf8() > limit {
            break;
        }
        p += c.len_utf8();
    }
    let next = body[p..].chars().next();
    if next.is_some_and(char::is_alphanumeric) {
        end
    } else {
        p
    }
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
    fn badges_go_after_closing_punctuation_but_not_into_words_or_past_a_limit() {
        let body = "“an expansion of circles,” he said; Iran’s view.";
        let end = body.find(',').unwrap();
        assert_eq!(
            &body[badge_at(body, end, body.len())..],
            " he said; Iran’s view."
        );
        assert_eq!(
            badge_at(body, end, end + 1),
            end + 1,
            "stops at the enclosing quote's end"
        );
        let word = body.find("’s").unwrap();
        assert_eq!(
            badge_at(body, word, body.len()),
            word,
            "never inside `Iran’s`"
        );
        assert_eq!(badge_at(body, body.len() - 1, body.len()), body.len());
    }

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
