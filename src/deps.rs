//! The build's dependency graph: for every rendered page, what it read besides its own
//! inputs. A page's own inputs are fixed by the pipeline (its source file, its template
//! value in [`crate::model::Model`], which holds its front matter, its section's children,
//! its backlinks and its quotes' speakers; its comparison table; the template it names;
//! the site config, nav, strings and source globals; for the source page, the marks made
//! from every quote). What it reads from other pages is recorded here as it renders: every
//! `get_page`, `get_section`, `get_quote`, every `@/` link resolved by the `markdown`
//! filter, and every `@/` link of its body, each with the answer it got.
//!
//! A page's recorded reads are its edges in the graph. After a change, a page whose own
//! inputs are unchanged and whose every read still gets the same answer renders to the
//! same bytes, so it need not render again (`serve::incremental`).

use std::cell::RefCell;

use tera::Value;

use crate::model::Model;
use crate::site::Site;

/// One lookup a page made while rendering, with the answer it got.
#[derive(Debug, Clone, PartialEq)]
pub enum Read {
    /// `get_page(ref=…)` or `get_section(ref=…)`: the page's value, if it exists.
    Page(String, Option<Value>),
    /// `get_quote(ref=…)`: the quote's value, if it exists.
    Quote(String, Option<Value>),
    /// A `@/` link in a string rendered by the `markdown` filter: where it lands.
    Url(String, Result<String, String>),
    /// A `@/` link in the page's own Markdown body: where it lands.
    Href(String, Result<String, String>),
}

impl Read {
    /// Whether the read still gets the same answer from `site` and its template values.
    pub fn holds(&self, site: &Site, model: &Model) -> bool {
        match self {
            Read::Page(r, v) => model.by_ref(r) == *v,
            Read::Quote(r, v) => model.quotes.get(r) == v.as_ref(),
            Read::Url(r, u) => model.url_of(r) == *u,
            Read::Href(r, h) => site.href(r) == *h,
        }
    }
}

thread_local! {
    /// The reads of the page rendering on this thread, when they are being recorded.
    static READS: RefCell<Option<Vec<Read>>> = const { RefCell::new(None) };
}

/// Notes a read if the page rendering on this thread is being recorded; the read is made
/// only then (`read` builds the answer).
pub fn note(read: impl FnOnce() -> Read) {
    READS.with(|r| {
        if let Some(reads) = r.borrow_mut().as_mut() {
            let read = read();
            if !reads.contains(&read) {
                reads.push(read);
            }
        }
    });
}

/// Runs `f` (one page's render, on this thread) and returns what it read, if `record`.
pub fn recording<T>(record: bool, f: impl FnOnce() -> T) -> (T, Vec<Read>) {
    if !record {
        return (f(), Vec::new());
    }
    let outer = READS.with(|r| r.replace(Some(Vec::new())));
    let out = f();
    let reads = READS.with(|r| r.replace(outer)).unwrap_or_default();
    (out, reads)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_recorded_only_while_recording_and_once_each() {
        note(|| Read::Page("@/a.md".into(), None));
        let ((), reads) = recording(true, || {
            note(|| Read::Page("@/b.md".into(), None));
            note(|| Read::Page("@/b.md".into(), None));
            note(|| Read::Href("@/c.md".into(), Ok("c.html".into())));
        });
        assert_eq!(
            reads,
            vec![
                Read::Page("@/b.md".into(), None),
                Read::Href("@/c.md".into(), Ok("c.html".into())),
            ]
        );
        let ((), none) = recording(false, || note(|| Read::Page("@/d.md".into(), None)));
        assert!(none.is_empty());
    }
}
