//! `.lede-manifest.json`, written into the output with every build: per page, the number of
//! its `[[updates]]` entries and a hash of each quotation's words and each comparison cell.
//! `lede check` and `lede build` compare the site against the manifest of the output they
//! would replace, and warn when a page's quotations or cells changed but the page gained no
//! update entry: readers should be told when a published page changes its evidence.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::render::Output;
use crate::site::Site;
use crate::validate::row_id;

pub const PATH: &str = ".lede-manifest.json";

#[derive(Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub pages: BTreeMap<String, PageEntry>,
}

#[derive(Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct PageEntry {
    pub updates: usize,
    /// `quote:<id>` or `cell:<row>/<column>` → hash of its words.
    pub items: BTreeMap<String, String>,
}

impl Manifest {
    pub fn of(site: &Site) -> Manifest {
        let mut pages = BTreeMap::new();
        for page in &site.pages {
            let mut items = BTreeMap::new();
            for q in &page.fm.quotes {
                let h = super::sha256_hex(&[q.text.get_ref().as_bytes()]);
                items.insert(format!("quote:{}", q.id.get_ref()), h);
            }
            for x in &page.fm.excerpts {
                let h = super::sha256_hex(&[x.text.get_ref().as_bytes()]);
                items.insert(format!("quote:{}", x.id.get_ref()), h);
            }
            if let Some(c) = &page.fm.compare {
                for row in &c.rows {
                    let id = row_id(row.id.as_deref(), row.topic.get_ref());
                    for (col, cell) in &row.cells {
                        let backing: Vec<&str> =
                            cell.backing.iter().map(|b| b.get_ref().as_str()).collect();
                        let h = super::sha256_hex(&[
                            cell.summary.as_bytes(),
                            &[u8::from(cell.silent)],
                            backing.join("\n").as_bytes(),
                        ]);
                        items.insert(format!("cell:{id}/{col}"), h);
                    }
                }
            }
            if items.is_empty() && page.fm.updates.is_empty() {
                continue;
            }
            let entry = PageEntry {
                updates: page.fm.updates.len(),
                items,
            };
            pages.insert(page.rel.clone(), entry);
        }
        Manifest { pages }
    }

    pub fn output(&self) -> Output {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        Output {
            path: PATH.into(),
            bytes: text.into_bytes(),
        }
    }
}

/// The manifest of a published output folder, if it has a readable one.
pub fn read(output: &Path) -> Option<Manifest> {
    let text = std::fs::read_to_string(output.join(PATH)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Warns for each page whose quotations or cells changed (or went) since `prev` without a
/// new `[[updates]]` entry.
pub fn compare(site: &Site, prev: &Manifest, now: &Manifest, diags: &mut Diagnostics) {
    for page in &site.pages {
        let (Some(old), Some(new)) = (prev.pages.get(&page.rel), now.pages.get(&page.rel)) else {
            continue;
        };
        if new.updates > old.updates {
            continue;
        }
        let changed: Vec<&str> = old
            .items
            .iter()
            .filter(|(k, h)| new.items.get(*k) != Some(*h))
            .map(|(k, _)| k.as_str())
            .collect();
        let Some(first) = changed.first() else {
            continue;
        };
        let what: Vec<String> = changed.iter().map(|k| describe(k)).collect();
        let needle = first.split_once(':').map_or(*first, |(_, id)| id);
        let needle = needle.split('/').next().unwrap_or(needle);
        diags.push(
            Diagnostic::warning(
                &page.shown,
                page.line_of(needle),
                format!(
                    "{} changed since the last published build, and the page has no new [[updates]] entry",
                    what.join(", ")
                ),
            )
            .with_hint(
                "add an [[updates]] entry with `date`, `kind = \"correction\"` (if the page was wrong) or `kind = \"update\"`, and a `note` saying what changed",
            ),
        );
    }
}

fn describe(key: &str) -> String {
    match key.split_once(':') {
        Some(("quote", id)) => format!("quotation `{id}`"),
        Some(("cell", id)) => format!("comparison cell `{id}`"),
        _ => format!("`{key}`"),
    }
}
