//! The updates and corrections log, read off the content model: every page's `[[updates]]`
//! as one list, newest first, each with the anchor it has on its page; and the content's
//! dates (for `lastmod`, `dateModified` and the feed).

use crate::site::Site;

/// One `[[updates]]` entry of one page.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub page: usize,
    /// `YYYY-MM-DD`.
    pub day: String,
    pub correction: bool,
    /// Markdown.
    pub note: &'a str,
    /// The entry's `id` on its page: `update-2026-12-01` (then `-2`, `-3` for the same day).
    pub anchor: String,
}

/// A page's entries, newest first (declaration order among the same day).
pub fn of_page(site: &Site, page: usize) -> Vec<Entry<'_>> {
    let decls = &site.page(page).fm.updates;
    let mut out: Vec<Entry<'_>> = Vec::with_capacity(decls.len());
    for u in decls {
        let day = u.day();
        let same = out.iter().filter(|e| e.day == day).count();
        let anchor = match same {
            0 => format!("update-{day}"),
            n => format!("update-{day}-{}", n + 1),
        };
        out.push(Entry {
            page,
            day,
            correction: u.is_correction(),
            note: &u.note,
            anchor,
        });
    }
    out.sort_by(|a, b| b.day.cmp(&a.day));
    out
}

/// Every entry of the site, newest first; the same day in page order.
pub fn all(site: &Site) -> Vec<Entry<'_>> {
    let mut out: Vec<Entry<'_>> = (0..site.pages.len())
        .flat_map(|i| of_page(site, i))
        .collect();
    out.sort_by(|a, b| b.day.cmp(&a.day));
    out
}

/// `YYYY-MM-DD` at the start of a date text, if it is one.
pub fn iso_day(text: &str) -> Option<&str> {
    let d = text.get(..10)?;
    let b = d.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    (digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10)).then_some(d)
}

/// When the source was published, if the source page says so as a date.
pub fn source_day(site: &Site) -> Option<&str> {
    let s = site.page(site.source?);
    iso_day(&s.fm.published.as_ref()?.0)
}

/// The newest date the content gives a page: its newest update, else its own `date`; for
/// the source page, else its publication date. A page the content does not date has none
/// (no clock is read: same input, same bytes).
pub fn last_modified(site: &Site, page: usize) -> Option<String> {
    let p = site.page(page);
    p.fm.updates
        .iter()
        .map(|u| u.day())
        .max()
        .or_else(|| iso_day(&p.fm.date.0).map(str::to_string))
        .or_else(|| {
            (site.source == Some(page))
                .then(|| source_day(site).map(str::to_string))
                .flatten()
        })
}

#[cfg(test)]
mod tests {
    use super::iso_day;

    #[test]
    fn iso_days_only() {
        assert_eq!(iso_day("2024-09-30"), Some("2024-09-30"));
        assert_eq!(iso_day("2024-09-30T10:00:00Z"), Some("2024-09-30"));
        assert_eq!(iso_day("30 Sept 2024"), None);
        assert_eq!(iso_day("2024"), None);
    }
}
