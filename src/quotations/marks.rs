//! Finding quotations by their marks: “…” ‘…’ "…" «…» „…“ ‚…‘ 「…」 『…』 ‹…› and ”…”.
//!
//! One pass over the text with a stack of open marks. A quotation is top-level when nothing
//! was open as it began; marks opened inside it are nested and not counted again. A quotation
//! left open at the end of a paragraph continues into the next one when that paragraph starts
//! with the same opening mark (the English convention) or closes it; otherwise it ends there.

use std::ops::Range;

/// One top-level quotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marked {
    /// The whole quotation, marks included.
    pub outer: Range<usize>,
    /// The words between the outermost marks.
    pub inner: Range<usize>,
    /// Quotations nested inside this one.
    pub nested: usize,
    /// Paragraphs it spans (1 for most).
    pub paragraphs: usize,
    /// `false` when no closing mark came before the paragraph ended.
    pub closed: bool,
}

/// The marks that may close a quotation opened with `open`.
fn closers(open: char) -> &'static [char] {
    match open {
        '“' => &['”'],
        '„' => &['“', '”'],
        '‘' => &['’'],
        '‚' => &['‘', '’'],
        '«' => &['»'],
        '‹' => &['›'],
        '「' => &['」'],
        '『' => &['』'],
        '”' => &['”'],
        '"' => &['"'],
        '\'' => &['\''],
        _ => &[],
    }
}

/// Whether `c` opens a quotation here. Curly and angle marks always do; marks that are also
/// apostrophes, inch signs or closers need a word start before them.
fn opens(c: char, prev: Option<char>, next: Option<char>, depth: usize) -> bool {
    let word_start = prev.is_none_or(|p| !p.is_alphanumeric());
    let before_word = next.is_some_and(|n| !n.is_whitespace());
    match c {
        '“' | '„' | '「' | '『' | '‚' => before_word,
        // French and Swiss typesetting put a space (often a narrow no-break one) inside « ».
        '«' | '‹' => next.is_some_and(|n| n != '\n' && n != '\r'),
        '‘' | '"' => word_start && before_word,
        // Swedish and Finnish ”…”: only after a space, so an English closer is never taken.
        '”' => prev.is_none_or(char::is_whitespace) && before_word,
        // A straight single quote only inside another quotation, before a letter.
        '\'' => depth > 0 && word_start && next.is_some_and(char::is_alphabetic),
        _ => false,
    }
}

/// Whether `c` closes the quotation opened with `open` here. A `’` between two letters is
/// an apostrophe (“it’s”), never a closer.
fn closes(open: char, c: char, prev: Option<char>, next: Option<char>) -> bool {
    if !closers(open).contains(&c) {
        return false;
    }
    let apostrophe =
        prev.is_some_and(char::is_alphanumeric) && next.is_some_and(char::is_alphabetic);
    match c {
        '’' | '\'' => !apostrophe,
        // A symmetric mark closes only after a word, not before one.
        '"' | '”' if open == c => prev.is_some_and(|p| !p.is_whitespace()),
        _ => true,
    }
}

#[derive(Debug, Clone, Copy)]
struct Open {
    mark: char,
    at: usize,
}

/// The state carried along the text: the marks open so far.
#[derive(Debug, Clone, Default)]
struct Scanner {
    stack: Vec<Open>,
}

enum Step {
    None,
    /// A top-level quotation opened at this byte.
    OpenedTop,
    /// The top-level quotation closed; its opener was at this byte.
    ClosedTop(usize),
    OpenedNested,
}

impl Scanner {
    fn step(&mut self, c: char, at: usize, prev: Option<char>, next: Option<char>) -> Step {
        // Closing first: in „…“ the German closer is an English opener.
        if let Some(depth) = self
            .stack
            .iter()
            .rposition(|o| closes(o.mark, c, prev, next))
        {
            let opener = self.stack[depth].at;
            self.stack.truncate(depth);
            return if depth == 0 {
                Step::ClosedTop(opener)
            } else {
                Step::None
            };
        }
        if opens(c, prev, next, self.stack.len()) {
            self.stack.push(Open { mark: c, at });
            return if self.stack.len() == 1 {
                Step::OpenedTop
            } else {
                Step::OpenedNested
            };
        }
        Step::None
    }

    /// Whether scanning `para` from this state closes the top-level quotation.
    fn closes_in(&self, text: &str, para: Range<usize>) -> bool {
        let mut dry = self.clone();
        chars_with_context(text, para)
            .any(|(at, c, prev, next)| matches!(dry.step(c, at, prev, next), Step::ClosedTop(_)))
    }
}

/// Each char of `text[range]` with its byte offset and its neighbours in the whole text.
fn chars_with_context(
    text: &str,
    range: Range<usize>,
) -> impl Iterator<Item = (usize, char, Option<char>, Option<char>)> + '_ {
    let start = range.start;
    let mut prev = text[..start].chars().next_back();
    text[range].char_indices().map(move |(i, c)| {
        let at = start + i;
        let next = text[at + c.len_utf8()..].chars().next();
        let item = (at, c, prev, next);
        prev = Some(c);
        item
    })
}

/// The paragraphs of a text: separated by blank lines, or by every line break when the text
/// has no blank line at all (a plain-text file with one paragraph per line).
pub fn paragraphs(text: &str) -> Vec<Range<usize>> {
    let mut lines = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        lines.push(at..at + line.len());
        at += line.len();
    }
    let blank = |r: &Range<usize>| text[r.clone()].trim().is_empty();
    let has_blank_lines = lines.iter().any(blank);
    let mut paras: Vec<Range<usize>> = Vec::new();
    let mut current: Option<Range<usize>> = None;
    for line in lines {
        if blank(&line) {
            paras.extend(current.take());
            continue;
        }
        let content = line.start..line.start + text[line.clone()].trim_end().len();
        match &mut current {
            Some(p) if has_blank_lines => p.end = content.end,
            _ => {
                paras.extend(current.take());
                current = Some(content);
            }
        }
    }
    paras.extend(current);
    paras
}

/// Every top-level quotation in `text`, in order.
pub fn find(text: &str) -> Vec<Marked> {
    let paras = paragraphs(text);
    let mut found = Vec::new();
    let mut scanner = Scanner::default();
    let mut nested = 0;
    let mut spanned = 1;
    let mut skip = None;
    for (p, para) in paras.iter().enumerate() {
        for (at, c, prev, next) in chars_with_context(text, para.clone()) {
            if skip == Some(at) {
                continue;
            }
            match scanner.step(c, at, prev, next) {
                Step::OpenedTop => {
                    nested = 0;
                    spanned = 1;
                }
                Step::OpenedNested => nested += 1,
                Step::ClosedTop(opener) => found.push(Marked {
                    outer: opener..at + c.len_utf8(),
                    inner: words_of(
                        text,
                        opener + text[opener..].chars().next().map_or(0, char::len_utf8)..at,
                    ),
                    nested,
                    paragraphs: spanned,
                    closed: true,
                }),
                Step::None => {}
            }
        }
        let Some(open) = scanner.stack.first().copied() else {
            continue;
        };
        // Still open at the paragraph's end: nested marks do not run on; the quotation may.
        scanner.stack.truncate(1);
        let next = paras.get(p + 1);
        let next_first = next.and_then(|n| {
            text[n.clone()]
                .char_indices()
                .next()
                .map(|(i, c)| (n.start + i, c))
        });
        match (next, next_first) {
            (Some(_), Some((at, c))) if c == open.mark => {
                skip = Some(at);
                spanned += 1;
            }
            (Some(n), _) if scanner.closes_in(text, n.clone()) => spanned += 1,
            _ => {
                let inner_start = open.at + open.mark.len_utf8();
                found.push(Marked {
                    outer: open.at..para.end,
                    inner: words_of(text, inner_start..para.end.max(inner_start)),
                    nested,
                    paragraphs: spanned,
                    closed: false,
                });
                scanner.stack.clear();
            }
        }
    }
    found
}

/// `range` without the spaces just inside the marks (« like this »).
fn words_of(text: &str, range: Range<usize>) -> Range<usize> {
    let inside = &text[range.clone()];
    let start = range.start + (inside.len() - inside.trim_start().len());
    let end = (range.end - (inside.len() - inside.trim_end().len())).max(start);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inner(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|m| &text[m.inner]).collect()
    }

    #[test]
    fn every_common_style() {
        let text = "A “one” b ‘two’ c \"three\" d «four» e „five“ f ‚six‘ g 「seven」 h ‹eight› i.";
        assert_eq!(
            inner(text),
            [
                "one", "two", "three", "four", "five", "six", "seven", "eight"
            ]
        );
    }

    #[test]
    fn french_spacing_inside_guillemets() {
        // A plain space, a no-break space (U+00A0) and a narrow no-break space (U+202F).
        let text = "Il a dit « tout va bien » puis «\u{a0}rien\u{a0}» et ‹\u{202f}peu\u{202f}›.";
        assert_eq!(inner(text), ["tout va bien", "rien", "peu"]);
    }

    #[test]
    fn apostrophes_do_not_close_single_quotes() {
        let text = "He wrote ‘it’s the day’ and left. Iran’s view, the ’90s.";
        assert_eq!(inner(text), ["it’s the day"]);
    }

    #[test]
    fn nested_quotes_are_not_counted_again() {
        let text = "“I asked: ‘Why not?’ Nobody knew,” she said.";
        let found = find(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].nested, 1);
        assert_eq!(
            &text[found[0].inner.clone()],
            "I asked: ‘Why not?’ Nobody knew,"
        );
    }

    #[test]
    fn english_convention_runs_over_paragraphs() {
        let text = "“First part.\n\n“Second part,” he said.\n\nAfter.";
        let found = find(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].paragraphs, 2);
        assert_eq!(
            &text[found[0].inner.clone()],
            "First part.\n\n“Second part,"
        );
    }

    #[test]
    fn a_quotation_closed_in_the_next_paragraph_runs_on() {
        let text = "“First part.\nSecond part,” he said.\nAfter “x”.";
        let found = find(text);
        assert_eq!(inner(text), ["First part.\nSecond part,", "x"]);
        assert_eq!(found[0].paragraphs, 2);
    }

    #[test]
    fn an_unclosed_quotation_ends_with_its_paragraph() {
        let text = "“Never closed.\n\nA “real” one.";
        let found = find(text);
        assert_eq!(found.len(), 2);
        assert!(!found[0].closed);
        assert_eq!(&text[found[0].inner.clone()], "Never closed.");
        assert_eq!(&text[found[1].inner.clone()], "real");
    }

    #[test]
    fn paragraphs_are_blank_line_separated_or_one_per_line() {
        assert_eq!(paragraphs("a\nb\n\nc\n").len(), 2);
        assert_eq!(paragraphs("a\nb\nc").len(), 3);
    }
}
