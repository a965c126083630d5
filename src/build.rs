//! The pipeline, end to end: load → parse → validate → render → check links → write.
//! `check` stops before writing; `build` writes only when nothing failed.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;

use crate::diagnostics::{Diagnostic, Diagnostics, Failed};
use crate::links::{self, Origin};
use crate::load::{self, CopiedFile};
use crate::render::{self, Output};
use crate::site::Site;
use crate::{annotate, config, validate, write};

/// A site rendered in memory, with everything the checks found.
pub struct Rendered {
    pub outputs: Vec<Output>,
    pub statics: Vec<CopiedFile>,
    pub diags: Diagnostics,
}

/// Runs every stage except writing.
pub fn render_site(root: &Path) -> Rendered {
    let mut diags = Diagnostics::default();
    let empty = |diags| Rendered {
        outputs: Vec::new(),
        statics: Vec::new(),
        diags,
    };
    let config = match config::load(root) {
        Ok(c) => c,
        Err(d) => {
            diags.push(d);
            return empty(diags);
        }
    };
    let inputs = load::load(root, &mut diags);
    let site = Site::build(config, inputs.content, &mut diags);
    let verified = validate::validate(&site, &mut diags);
    let annotations = annotate::source_annotations(&site, &verified, &mut diags);
    let outputs = render::render_site(&site, &inputs.templates, &annotations, &mut diags);
    check_collisions(&outputs, &inputs.statics, &mut diags);
    if !diags.has_errors() {
        let origins: HashMap<&str, Origin<'_>> = site
            .pages
            .iter()
            .map(|p| {
                let template = render::template_for(&site, p);
                (
                    p.url.as_str(),
                    Origin {
                        shown: &p.shown,
                        text: &p.text,
                        template,
                    },
                )
            })
            .collect();
        let statics: Vec<String> = inputs.statics.iter().map(|s| s.rel.clone()).collect();
        links::check(&outputs, &statics, &origins, &mut diags);
    }
    Rendered {
        outputs,
        statics: inputs.statics,
        diags,
    }
}

fn check_collisions(outputs: &[Output], statics: &[CopiedFile], diags: &mut Diagnostics) {
    let pages: HashSet<&str> = outputs.iter().map(|o| o.path.as_str()).collect();
    for s in statics.iter().filter(|s| pages.contains(s.rel.as_str())) {
        diags.push(
            Diagnostic::error(
                &s.abs,
                1,
                format!("static file `{}` has the same output path as a page", s.rel),
            )
            .with_hint("rename the static file or the page"),
        );
    }
}

/// Checks the site without writing anything.
pub fn check(root: &Path, deny_warnings: bool) -> Result<Diagnostics, Failed> {
    let r = render_site(root);
    if r.diags.has_errors() || (deny_warnings && r.diags.warnings() > 0) {
        return Err(Failed(r.diags));
    }
    Ok(r.diags)
}

pub struct Summary {
    pub pages: usize,
    pub files: usize,
    pub elapsed: Duration,
    pub warnings: Diagnostics,
}

/// Checks, renders, and replaces `out` with the new site, or fails leaving `out` untouched.
pub fn build(root: &Path, out: &Path) -> Result<Summary> {
    let start = Instant::now();
    write::check_output_dir(root, out)?;
    let r = render_site(root);
    if r.diags.has_errors() {
        return Err(Failed(r.diags).into());
    }
    write::write_site(root, out, &r.outputs, &r.statics)?;
    Ok(Summary {
        pages: r.outputs.len(),
        files: r.statics.len(),
        elapsed: start.elapsed(),
        warnings: r.diags,
    })
}
