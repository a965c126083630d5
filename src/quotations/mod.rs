//! The quotation finder: every quotation in a text, and a proposed speaker for each.
//!
//! Used by `lede init` (to write figure pages) and `lede quotes` (to list them); never by
//! `lede build`. Plain rules, no statistics: [`marks`] finds quotations by their marks,
//! [`people`] finds who the narration names and how it describes them, [`attribution`]
//! proposes a speaker with the rule and a confidence, and [`report`] prints the result.

pub mod attribution;
pub mod marks;
pub mod people;
pub mod report;
pub mod site;
mod words;

use std::ops::Range;

pub use attribution::{Proposal, Rule};
pub use people::Person;

/// One top-level quotation of the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Quotation {
    /// Byte range, marks included.
    pub outer: Range<usize>,
    /// Byte range of the words between the marks.
    pub inner: Range<usize>,
    /// 1-based line of its opening mark in the text.
    pub line: usize,
    /// Quotations nested inside it.
    pub nested: usize,
    pub paragraphs: usize,
    /// `false` when the paragraph ended before a closing mark came.
    pub closed: bool,
    pub proposal: Option<Proposal>,
}

impl Quotation {
    /// The quoted words as a `[[quotes]]` entry holds them: verbatim, without the comma that
    /// English puts inside the closing mark ("…,” she said).
    pub fn words<'a>(&self, text: &'a str) -> &'a str {
        let inner = text[self.inner.clone()].trim();
        inner.strip_suffix(',').unwrap_or(inner).trim_end()
    }
}

/// Everything the finder learnt about a text.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    pub quotations: Vec<Quotation>,
    pub people: Vec<Person>,
}

impl Findings {
    pub fn attributed(&self) -> usize {
        self.quotations
            .iter()
            .filter(|q| q.proposal.is_some())
            .count()
    }

    /// Each proposed speaker once, in order of their first quotation, with their quotations.
    pub fn by_speaker(&self) -> Vec<(usize, Vec<&Quotation>)> {
        let mut out: Vec<(usize, Vec<&Quotation>)> = Vec::new();
        for q in &self.quotations {
            let Some(p) = q.proposal else { continue };
            match out.iter_mut().find(|(s, _)| *s == p.person) {
                Some((_, qs)) => qs.push(q),
                None => out.push((p.person, vec![q])),
            }
        }
        out
    }
}

/// Finds the quotations of `text` and proposes a speaker for each.
pub fn find(text: &str) -> Findings {
    let paras = marks::paragraphs(text);
    let marked = marks::find(text);
    let masked = mask(text, &marked);
    let mut people = people::People::find(&masked, &paras);
    let cx = attribution::Context {
        masked: &masked,
        text,
        paras: &paras,
    };
    let proposals = attribution::attribute(&cx, &marked, &mut people);
    let mut lines = LineIndex::new(text);
    let quotations = marked
        .into_iter()
        .zip(proposals)
        .map(|(m, proposal)| Quotation {
            line: lines.line(m.outer.start),
            outer: m.outer,
            inner: m.inner,
            nested: m.nested,
            paragraphs: m.paragraphs,
            closed: m.closed,
            proposal,
        })
        .collect();
    Findings {
        quotations,
        people: people.persons,
    }
}

/// The text with each quotation's bytes replaced by `|`, so the narration can be read
/// without what people said, at the same offsets.
fn mask(text: &str, marked: &[marks::Marked]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for m in marked {
        bytes[m.outer.clone()].fill(b'|');
    }
    // Whole chars were replaced by ASCII bytes, so the result is still UTF-8.
    String::from_utf8(bytes).unwrap_or_default()
}

/// Line numbers of byte offsets asked for in increasing order.
struct LineIndex<'a> {
    text: &'a str,
    at: usize,
    line: usize,
}

impl<'a> LineIndex<'a> {
    fn new(text: &'a str) -> Self {
        LineIndex {
            text,
            at: 0,
            line: 1,
        }
    }

    fn line(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.at {
            self.at = 0;
            self.line = 1;
        }
        self.line += self.text.as_bytes()[self.at..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.at = offset;
        self.line
    }
}

#[cfg(test)]
mod tests;
