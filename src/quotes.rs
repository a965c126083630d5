//! Finding quotes in the source text, word for word.
//!
//! Only typography is forgiven: curly vs straight quotes and apostrophes, dashes vs hyphens,
//! the ellipsis character, and runs of whitespace (line and paragraph breaks included, so a
//! quote may span paragraphs). Any other difference — one changed word — is a mismatch, and
//! the error shows where the quote and the article part ways.

use std::ops::Range;

/// A text folded for comparison, with a map back to byte offsets of the original.
#[derive(Debug)]
pub struct Normalized {
    pub text: String,
    /// The text as written, to show the article's own characters in errors.
    original: String,
    /// `origin[i]` is the byte offset in the original of normalised byte `i`; one extra entry
    /// maps the end.
    origin: Vec<usize>,
}

impl Normalized {
    pub fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut origin = Vec::with_capacity(original.len() + 1);
        let mut in_space = false;
        for (at, c) in original.char_indices() {
            if c.is_whitespace() {
                if !in_space {
                    push(&mut text, &mut origin, ' ', at);
                }
                in_space = true;
                continue;
            }
            in_space = false;
            match fold(c) {
                Folded::One(f) => push(&mut text, &mut origin, f, at),
                Folded::Ellipsis => {
                    for _ in 0..3 {
                        push(&mut text, &mut origin, '.', at);
                    }
                }
            }
        }
        origin.push(original.len());
        Normalized {
            text,
            original: original.to_string(),
            origin,
        }
    }

    /// The original characters behind a normalised byte range (curly quotes stay curly),
    /// with runs of whitespace shown as one space.
    fn shown(&self, r: Range<usize>) -> String {
        if r.start >= r.end {
            return String::new();
        }
        let o = self.original_range(r);
        let text = self.original.get(o).unwrap_or("");
        text.split_whitespace().collect::<Vec<_>>().join(" ")
            + if text.ends_with(char::is_whitespace) {
                " "
            } else {
                ""
            }
    }

    /// Original byte range of a normalised byte range.
    pub fn original_range(&self, r: Range<usize>) -> Range<usize> {
        let end = if r.end == 0 {
            0
        } else {
            self.origin[r.end - 1]
        };
        // End of the char at `end` in the original: the start of the next mapped char.
        let next = self.origin[r.end..]
            .iter()
            .copied()
            .find(|&o| o > end)
            .unwrap_or(end);
        self.origin[r.start]..next.max(end)
    }
}

fn push(text: &mut String, origin: &mut Vec<usize>, c: char, at: usize) {
    text.push(c);
    for _ in 0..c.len_utf8() {
        origin.push(at);
    }
}

enum Folded {
    One(char),
    Ellipsis,
}

fn fold(c: char) -> Folded {
    Folded::One(match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' | '\u{00B4}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => '"',
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        '\u{2026}' => return Folded::Ellipsis,
        c => c,
    })
}

/// Normalises a quote on its own (trimmed), for searching.
pub fn normalize_quote(quote: &str) -> String {
    Normalized::new(quote.trim()).text
}

/// Where `quote` stands in `source`, as a byte range of the original source.
pub fn find(source: &Normalized, quote: &str) -> Option<Range<usize>> {
    let q = normalize_quote(quote);
    if q.is_empty() {
        return None;
    }
    let start = source.text.find(&q)?;
    Some(source.original_range(start..start + q.len()))
}

/// Every place `quote` stands in `source`, as byte ranges of the original source, in order.
pub fn find_all(source: &Normalized, quote: &str) -> Vec<Range<usize>> {
    let q = normalize_quote(quote);
    if q.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = source.text[from..].find(&q) {
        let start = from + i;
        out.push(source.original_range(start..start + q.len()));
        from = start + q.len().max(1);
        while !source.text.is_char_boundary(from) {
            from += 1;
        }
    }
    out
}

/// Where `quote` stands inside `within` (a byte range of the original source): only that
/// part of the source is searched.
pub fn find_within(
    source: &Normalized,
    quote: &str,
    within: &Range<usize>,
) -> Option<Range<usize>> {
    let q = normalize_quote(quote);
    if q.is_empty() {
        return None;
    }
    // `origin` grows with the normalised offset, so the window's ends are found by bisection.
    let start = source.origin.partition_point(|&o| o < within.start);
    let end = source
        .origin
        .partition_point(|&o| o < within.end)
        .min(source.text.len());
    let window = source.text.get(start..end)?;
    window.match_indices(&q).find_map(|(i, _)| {
        let r = source.original_range(start + i..start + i + q.len());
        (within.start <= r.start && r.end <= within.end).then_some(r)
    })
}

/// Whether `range` lies inside one of `spans` (the source's quotations, between their marks,
/// as `quotations::marks` finds them).
pub fn inside_quotation_marks(spans: &[Range<usize>], range: &Range<usize>) -> bool {
    spans
        .iter()
        .any(|s| s.start <= range.start && range.end <= s.end)
}

/// Why a quote was not found: the closest passage and where the two first differ.
pub fn explain_mismatch(source: &Normalized, quote: &str) -> String {
    let qn = Normalized::new(quote.trim());
    let qc: Vec<char> = qn.text.chars().collect();
    // The quote's own characters from char `a` to char `b` (as written, not folded).
    let byte = |k: usize| qc[..k].iter().map(|c| c.len_utf8()).sum::<usize>();
    let ours_shown = |a: usize, b: usize| qn.shown(byte(a)..byte(b));
    let (plen, pat) = longest_match(&source.text, &qc, false);
    let (slen, sat) = longest_match(&source.text, &qc, true);
    if plen < 8 && slen < 8 {
        return "no passage of the article resembles this quote; copy it from the article".into();
    }
    let text = &source.text;
    let chars_len = |cs: &[char]| cs.iter().map(|c| c.len_utf8()).sum::<usize>();
    let pend = pat + chars_len(&qc[..plen]);
    // The quote's end, looked for just after where its start matched: the gap is the change.
    if plen >= 8 && plen < qc.len() {
        let window = &text[pend..floor_boundary(text, pend + 400)];
        let (tail, at) = longest_match(window, &qc[plen..], true);
        if tail >= 3 {
            // Widen the difference to whole words: "national" for "territorial", not
            // "nation" for "territori". Both sides share what is added on either end.
            let (mut a, mut b) = (plen, qc.len() - tail);
            while a > 0 && qc[a - 1].is_alphanumeric() {
                a -= 1;
            }
            while b < qc.len() && qc[b].is_alphanumeric() {
                b += 1;
            }
            let (grow_front, grow_back) =
                (chars_len(&qc[a..plen]), chars_len(&qc[qc.len() - tail..b]));
            let ours = ours_shown(a, b);
            let theirs = source.shown(pend - grow_front..pend + at + grow_back);
            let before = ours_shown(a.saturating_sub(30), a);
            return format!(
                "after “…{before}” the quote has “{ours}” where the article has “{theirs}”"
            );
        }
    }
    if plen >= slen {
        let before = ours_shown(plen.saturating_sub(40), plen);
        let ours = ours_shown(plen, (plen + 40).min(qc.len()));
        let len: usize = text[pend..].chars().take(40).map(char::len_utf8).sum();
        let theirs = source.shown(pend..pend + len);
        format!(
            "the quote matches the article up to “…{before}”, then the quote has “{ours}…” where the article has “{theirs}…”"
        )
    } else {
        let start = qc.len() - slen;
        let ours = ours_shown(start.saturating_sub(40), start);
        let len: usize = text[..sat].chars().rev().take(40).map(char::len_utf8).sum();
        let theirs = source.shown(sat - len..sat);
        format!(
            "the end of the quote matches the article, but before it the quote has “…{ours}” where the article has “…{theirs}”"
        )
    }
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Longest prefix (or suffix) of `q` found in `hay`, in chars, and the byte offset where the
/// match starts. Binary search works because a shorter prefix of a found prefix is found too.
fn longest_match(hay: &str, q: &[char], suffix: bool) -> (usize, usize) {
    let piece = |n: usize| -> String {
        if suffix {
            q[q.len() - n..].iter().collect()
        } else {
            q[..n].iter().collect()
        }
    };
    let (mut lo, mut hi) = (0usize, q.len());
    let mut at = 0;
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        match hay.find(&piece(mid)) {
            Some(i) => {
                lo = mid;
                at = i;
            }
            None => hi = mid - 1,
        }
    }
    (lo, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: &str = "He said: “It’s time—now.”\n\nAnd then  he left.";

    #[test]
    fn typography_is_forgiven() {
        let n = Normalized::new(ARTICLE);
        let r = find(&n, "It's time - now.").map(|r| &ARTICLE[r]);
        assert_eq!(
            r, None,
            "spaces around a dash are a change of text, not typography"
        );
        let r = find(&n, "It's time-now.").unwrap();
        assert_eq!(&ARTICLE[r], "It’s time—now.");
    }

    #[test]
    fn quotes_may_span_paragraphs() {
        let n = Normalized::new(ARTICLE);
        let r = find(&n, "now.” And then he left").unwrap();
        assert_eq!(&ARTICLE[r], "now.”\n\nAnd then  he left");
    }

    #[test]
    fn a_changed_word_is_not_found_and_is_explained() {
        let n = Normalized::new(ARTICLE);
        assert!(find(&n, "And then he stayed.").is_none());
        let why = explain_mismatch(&n, "And then he stayed.");
        assert!(
            why.contains("the quote has “stayed.…” where the article has “left.…”"),
            "{why}"
        );
    }

    #[test]
    fn a_mismatch_shows_the_articles_own_characters() {
        let src = Normalized::new("They call it “the people’s bridge” in town—and mean it.");
        let why = explain_mismatch(&src, "They call it \"the peoples bridge\" in town");
        assert!(
            why.contains("the quote has “peoples” where the article has “people’s”"),
            "whole words, curly apostrophe kept: {why}"
        );
        let why = explain_mismatch(
            &src,
            "They call it \"the people's road\" in town, and mean it",
        );
        assert!(why.contains("bridge”"), "curly quote kept: {why}");
    }

    #[test]
    fn a_changed_word_is_shown_whole_on_both_sides() {
        let n = Normalized::new("a threat to Iran’s territorial integrity, others say");
        let why = explain_mismatch(&n, "a threat to Iran’s national integrity, others say");
        assert!(
            why.contains("the quote has “national” where the article has “territorial”"),
            "{why}"
        );
        assert!(
            why.contains("Iran’s"),
            "the article's own apostrophe: {why}"
        );
    }

    #[test]
    fn every_occurrence_is_found() {
        let text = "one two one two one";
        let n = Normalized::new(text);
        assert_eq!(find_all(&n, "one"), vec![0..3, 8..11, 16..19]);
        assert_eq!(find_within(&n, "one", &(5..20)), Some(8..11));
    }

    #[test]
    fn range_maps_back_over_multibyte_chars() {
        let n = Normalized::new("a—b");
        let r = find(&n, "a-b").unwrap();
        assert_eq!(r, 0.."a—b".len());
    }
}
