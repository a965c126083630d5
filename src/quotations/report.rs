//! The finder's report: counts, then each quotation at `path:line` with its proposed
//! speaker and (for `lede quotes`) the pages that claim it.

use std::fmt::Write;

use super::{Findings, Quotation};

/// Where the text came from, for `path:line`.
pub struct Origin<'a> {
    pub path: &'a str,
    /// Lines of the file before the text starts (a front matter header).
    pub line_offset: usize,
}

/// The report. `claims[i]` lists the references claiming quotation `i` (None: not asked).
pub fn render(
    origin: &Origin,
    text: &str,
    findings: &Findings,
    claims: Option<&[Vec<String>]>,
) -> String {
    let mut out = String::new();
    let found = findings.quotations.len();
    let attributed = findings.attributed();
    let _ = writeln!(
        out,
        "{}: {found} quotation(s) found, {attributed} attributed, {} unattributed",
        origin.path,
        found - attributed
    );
    if found == 0 {
        let _ = writeln!(
            out,
            "No quotation marks (“…” ‘…’ \"…\" «…» „…“ 「…」 ‹…›) found in the text, so no speaker \
             was proposed. Add figure pages by hand with `lede new figure NAME`."
        );
        return out;
    }
    for (i, q) in findings.quotations.iter().enumerate() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}:{}: {}",
            origin.path,
            q.line + origin.line_offset,
            excerpt(text, q)
        );
        match q.proposal {
            Some(p) => {
                let _ = writeln!(
                    out,
                    "    speaker: {} ({}, confidence {:.2})",
                    findings.people[p.person].name,
                    p.rule.name(),
                    p.rule.confidence()
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "    speaker: none found (no attribution next to it): attribute it by hand"
                );
            }
        }
        if !q.closed {
            let _ = writeln!(
                out,
                "    note: no closing mark before the paragraph ends; check the text"
            );
        }
        if let Some(claims) = claims {
            let by = claims.get(i).filter(|c| !c.is_empty());
            let _ = match by {
                Some(c) => writeln!(out, "    claimed by: {}", c.join(", ")),
                None => writeln!(out, "    claimed by: no page"),
            };
        }
    }
    out
}

/// The quotation with its marks, shortened to about 80 characters on one line.
fn excerpt(text: &str, q: &Quotation) -> String {
    let whole: String = text[q.outer.clone()]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let chars: Vec<char> = whole.chars().collect();
    if chars.len() <= 80 {
        return whole;
    }
    let head: String = chars[..60].iter().collect();
    let tail: String = chars[chars.len() - 15..].iter().collect();
    format!("{} … {}", head.trim_end(), tail.trim_start())
}
