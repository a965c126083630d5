//! Attribution labels: who speaks in a passage and whether the words are theirs, worded by
//! the theme's strings (`label_quotation`, `label_paraphrase_via`, …). The engine writes
//! them, from the content model, so every card and note on the site says it the same way.

use crate::annotate::escape;
use crate::site::{Attribution, Kind, Site};
use crate::theme::Strings;

/// The key of the strings-table entry that words a label of this kind, with or without a
/// figure reporting it.
pub fn label_key(kind: Kind, via: bool) -> &'static str {
    match (kind, via) {
        (Kind::Passage, _) => "label_passage",
        (Kind::Quotation, false) => "label_quotation",
        (Kind::Quotation, true) => "label_quotation_via",
        (Kind::Paraphrase, false) => "label_paraphrase",
        (Kind::Paraphrase, true) => "label_paraphrase_via",
    }
}

/// The kind's name as shown ("Quotation", "Paraphrase", "The article’s own words").
pub fn kind_name(site: &Site, kind: Kind) -> String {
    site.strings.fill(&format!("kind_{}", kind.name()), &[])
}

/// The label as plain text: "Ann Smith", "the article, paraphrasing Ann Smith",
/// "Ben Jones, on Ann Smith".
pub fn label_text(site: &Site, attr: Attribution) -> String {
    let speaker = &site.page(attr.speaker).fm.title;
    let via = attr.via.map_or("", |v| site.page(v).fm.title.as_str());
    site.strings.fill(
        label_key(attr.kind, attr.via.is_some()),
        &[("speaker", speaker), ("via", via)],
    )
}

/// The label as HTML: the strings-table entry, escaped, with the speaker's and the
/// reporter's names (already HTML, e.g. links) filled in.
pub fn label_html(
    strings: &Strings,
    kind: Kind,
    speaker_html: &str,
    via_html: Option<&str>,
) -> String {
    let key = label_key(kind, via_html.is_some());
    let template = escape(strings.get(key).unwrap_or_default());
    crate::theme::fill(
        &template,
        &[
            ("speaker", speaker_html),
            ("via", via_html.unwrap_or_default()),
        ],
    )
}

/// A person's name as HTML, a link when `href` is given.
pub fn person_html(name: &str, href: Option<&str>) -> String {
    match href {
        Some(h) => format!("<a href=\"{}\">{}</a>", escape(h), escape(name)),
        None => escape(name),
    }
}
