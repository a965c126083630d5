//! `changes.html`: every update and correction of the site, newest first, corrections
//! marked, each linking to its entry on its page. Rendered through the theme's
//! `changes.html` (a theme without it has no changes page).

use tera::Value;

use super::Publish;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::render::{Output, Renderer, stub_page};

pub const PATH: &str = "changes.html";
pub const TEMPLATE: &str = "changes.html";

/// A content page may not take the changes page's file.
pub fn check_path(p: &Publish<'_>, diags: &mut Diagnostics) {
    if let Some(i) = p.page_at(PATH) {
        let page = p.site.page(i);
        diags.push(
            page.error(
                1,
                format!("writes `{PATH}`, the file lede writes the changes page to"),
            )
            .with_hint("rename the file or give it another `slug`"),
        );
    }
}

pub fn render(p: &Publish<'_>, r: &Renderer) -> Option<Result<Output, Vec<Diagnostic>>> {
    if !r.has_template(TEMPLATE) {
        return None;
    }
    let site = p.site;
    let entries: Vec<serde_json::Value> = p
        .entries
        .iter()
        .map(|e| {
            let page = site.page(e.page);
            serde_json::json!({
                "date": e.day,
                "is_correction": e.correction,
                "note": e.note,
                "anchor": e.anchor,
                "page": { "title": page.fm.title, "url": page.url },
            })
        })
        .collect();
    let title = site.strings.get("changes_title").unwrap_or("Changes");
    Some(r.render(
        TEMPLATE,
        PATH,
        stub_page(title, PATH),
        vec![("changes", Value::from_serializable(&entries))],
    ))
}
