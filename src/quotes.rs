//! Finding quotes in the source text, word for word.
//!
//! Only typography is forgiven: curly vs straight quotes and apostrophes, dashes vs hyphens,
//! the ellipsis character, and runs of whitespace (line and paragraph breaks included, so a
//! quote may span paragraphs). Any other difference — one changed word — is a mismatch, and
//! the error shows where the quote and the article part ways.

use std::ops::Range;

/// A text folded for comparison, with a map back to byte offsets of the original.
pub struct Normalized {
    pub text: String,
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
        Normalized { text, origin }
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

/// Where `quote` stands inside `within` (a byte range of the original source).
pub fn find_within(
    source: &Normalized,
    quote: &str,
    within: &Range<usize>,
) -> Option<Range<usize>> {
    find_all(source, quote)
        .into_iter()
        .find(|r| within.start <= r.start && r.end <= within.end)
}

/// The spans of `text` that stand inside quotation marks, as byte ranges of `text` between
/// the marks. Double marks of every common style open and close a quotation (“…” „…“ «…»
/// "…" 「…」); a quotation still open at a paragraph's end goes on when the next paragraph
/// opens with a quotation mark (the English convention for quotations of several
/// paragraphs), and ends there otherwise. Single marks (‘…’) nest inside a quotation only,
/// since outside one `’` is an apostrophe.
pub fn quoted_spans(text: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut open: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    let mut line_start = true;
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        if c == '\n' {
            // A blank line ends a paragraph: an open quotation ends here unless the next
            // paragraph opens with a mark.
            if let Some(start) = open
                && paragraph_break_at(text, at)
                && !next_paragraph_continues_quote(text, at)
            {
                spans.push(start..trim_end_at(text, at));
                open = None;
            }
            line_start = true;
            continue;
        }
        let was_line_start = line_start;
        line_start = c.is_whitespace() && line_start;
        match open {
            None if opens(c, text, at) => open = Some(at + c.len_utf8()),
            Some(_) if was_line_start && opens(c, text, at) => {} // a continued quotation
            Some(start) if closes(c, text, at, next) => {
                spans.push(start..at);
                open = None;
            }
            _ => {}
        }
    }
    if let Some(start) = open {
        spans.push(start..text.len());
    }
    spans
}

fn opens(c: char, text: &str, at: usize) -> bool {
    match c {
        '\u{201C}' | '\u{201E}' | '\u{00AB}' | '\u{300C}' => true,
        // A straight mark opens after a space or at the start.
        '"' => text[..at]
            .chars()
            .next_back()
            .is_none_or(|p| p.is_whitespace() || "([".contains(p)),
        _ => false,
    }
}

fn closes(c: char, text: &str, at: usize, next: Option<char>) -> bool {
    match c {
        '\u{201D}' | '\u{00BB}' | '\u{300D}' => true,
        // „…“: the German closing mark is the English opening one.
        '\u{201C}' => text[..at].contains('\u{201E}'),
        '"' => next.is_none_or(|n| !n.is_alphanumeric()),
        _ => false,
    }
}

fn paragraph_break_at(text: &str, newline: usize) -> bool {
    text[newline + 1..]
        .split('\n')
        .next()
        .is_some_and(|l| l.trim().is_empty())
        && text[newline + 1..].contains('\n')
}

/// The next paragraph goes on with an open quotation when it opens with a quotation mark
/// (the English convention), or when the first mark in it closes one (a source that drops
/// the opening mark of a continued paragraph).
fn next_paragraph_continues_quote(text: &str, newline: usize) -> bool {
    let rest = text[newline..].trim_start();
    if rest.chars().next().is_some_and(|c| opens(c, rest, 0)) {
        return true;
    }
    let paragraph = rest.split("\n\n").next().unwrap_or(rest);
    let mut chars = paragraph.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        if closes(c, paragraph, at, next) && c != '\u{201C}' {
            return true;
        }
        if opens(c, paragraph, at) {
            return false;
        }
    }
    false
}

fn trim_end_at(text: &str, at: usize) -> usize {
    text[..at].trim_end().len()
}

/// Whether `range` of `text` lies inside one of its quotation spans.
pub fn inside_quotation_marks(spans: &[Range<usize>], range: &Range<usize>) -> bool {
    spans
        .iter()
        .any(|s| s.start <= range.start && range.end <= s.end)
}

/// Why a quote was not found: the closest passage and where the two first differ.
pub fn explain_mismatch(source: &Normalized, quote: &str) -> String {
    let q = normalize_quote(quote);
    let qc: Vec<char> = q.chars().collect();
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
            let ours: String = qc[plen..qc.len() - tail].iter().collect();
            let theirs = &window[..at];
            let before: String = qc[plen.saturating_sub(30)..plen].iter().collect();
            return format!(
                "after “…{before}” the quote has “{ours}” where the article has “{theirs}”"
            );
        }
    }
    if plen >= slen {
        let before: String = qc[plen.saturating_sub(40)..plen].iter().collect();
        let ours: String = qc[plen..].iter().take(40).collect();
        let theirs: String = text[pend..].chars().take(40).collect();
        format!(
            "the quote matches the article up to “…{before}”, then the quote has “{ours}…” where the article has “{theirs}…”"
        )
    } else {
        let start = qc.len() - slen;
        let ours: String = qc[start.saturating_sub(40)..start].iter().collect();
        let before: Vec<char> = text[..sat].chars().collect();
        let theirs: String = before[before.len().saturating_sub(40)..].iter().collect();
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
    fn every_occurrence_is_found() {
        let text = "one two one two one";
        let n = Normalized::new(text);
        assert_eq!(find_all(&n, "one"), vec![0..3, 8..11, 16..19]);
        assert_eq!(find_within(&n, "one", &(5..20)), Some(8..11));
    }

    #[test]
    fn quotation_marks_of_every_style_make_spans() {
        let text = "He said “a ‘b’ c,” then «d» and „e“ and \"f\"; it’s g.";
        let spans: Vec<&str> = quoted_spans(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(spans, ["a ‘b’ c,", "d", "e", "f"]);
    }

    #[test]
    fn a_quotation_runs_over_a_paragraph_break_when_the_next_opens_with_a_mark() {
        let text = "“One.\n\n“Two,” he said.\n\n“Three.\n\nFour.\n\n“Five.\n\nSix,” he said.";
        let spans: Vec<&str> = quoted_spans(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(spans, ["One.\n\n“Two,", "Three.", "Five.\n\nSix,"]);
    }

    #[test]
    fn range_maps_back_over_multibyte_chars() {
        let n = Normalized::new("a—b");
        let r = find(&n, "a-b").unwrap();
        assert_eq!(r, 0.."a—b".len());
    }
}
