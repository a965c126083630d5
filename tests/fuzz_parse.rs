//! Property test over everything that reads user text: front matter splitting and parsing,
//! the content model, validation, annotation and Markdown rendering. Random, half-structured
//! files must produce diagnostics, never a panic.
//!
//! `cargo test --test fuzz_parse` runs a quick pass. For a long run:
//! `LEDE_FUZZ_SECONDS=600 cargo test --release --test fuzz_parse -- --nocapture`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lede::diagnostics::Diagnostics;
use lede::load::ContentFile;
use lede::markdown::{self, Annotation, BlockNote};
use lede::site::Site;
use lede::{annotate, config, frontmatter, validate};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Pieces that make the parser take interesting paths.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("+++\n".to_string()),
        Just("title = \"T\"\n".to_string()),
        Just("source = true\n".to_string()),
        Just("[[quotes]]\nid = \"q\"\ntext = \"word\"\n".to_string()),
        Just("mentions = [\"word\", \"\"]\n".to_string()),
        Just("[extra]\ncamp = \"@/x.md#q\"\n".to_string()),
        Just("[compare]\ncolumns = [\"@/a.md\"]\n[[compare.rows]]\ntopic = \"t\"\n".to_string()),
        Just("[schema.role]\nrequired = true\nverbatim = true\n".to_string()),
        Just("slug = \"../x\"\n".to_string()),
        Just("“word”—‘x’ … word\n\n".to_string()),
        Just("[link](@/a.md#frag) *em* `code` <span>\n".to_string()),
        Just("> quote\n- item\n# H {#id}\n".to_string()),
        "[ -~\n\u{feff}\u{2019}\u{201c}\u{2014}é]{0,40}",
        any::<String>(),
    ]
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..12).prop_map(|v| v.concat())
}

fn run_pipeline(dir: &Path, files: &[String]) {
    let config = config::parse("title = \"Fuzz\"").expect("config");
    let names = ["_index.md", "a.md", "x.md", "s/_index.md", "s/b.md"];
    for text in files {
        if let Ok(split) = frontmatter::split(text) {
            let _ = frontmatter::parse("f.md", text, &split);
        }
    }
    // Bodies are read from disk when pages render, so the documents are real files.
    let _ = std::fs::remove_dir_all(dir);
    let files: Vec<ContentFile> = files
        .iter()
        .zip(names)
        .map(|(text, rel)| {
            let abs = dir.join(rel);
            std::fs::create_dir_all(abs.parent().expect("parent")).expect("mkdir");
            std::fs::write(&abs, text).expect("write");
            ContentFile {
                rel: rel.into(),
                shown: PathBuf::from(rel),
                abs,
            }
        })
        .collect();
    let mut diags = Diagnostics::default();
    let site = Site::build(config, files, &mut diags);
    let verified = validate::validate(&site, &mut diags);
    let marks = annotate::source_annotations(&site, &verified, &mut diags);
    for (i, page) in site.pages.iter().enumerate() {
        let resolve = |r: &str| site.resolve(r).map(|t| site.page(t.page).url.clone());
        let mut errors = Vec::new();
        let (anns, notes): (&[Annotation], &[BlockNote]) = if site.source == Some(i) {
            (&marks.inline, &marks.notes)
        } else {
            (&[], &[])
        };
        if let Ok(body) = page.body() {
            let _ = markdown::render(&body, &resolve, anns, notes, &mut errors);
        }
    }
    let _ = diags.sorted().iter().map(ToString::to_string).count();
}

fn fuzz(runner: &mut TestRunner) {
    let dir = tempfile::tempdir().expect("temp dir");
    runner
        .run(&prop::collection::vec(document(), 1..5), |files| {
            run_pipeline(dir.path(), &files);
            Ok(())
        })
        .expect("no panic on any input");
}

#[test]
fn parsing_never_panics() {
    let seconds: u64 = std::env::var("LEDE_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut rounds = 0u64;
    loop {
        let mut runner = TestRunner::new(Config {
            cases: 256,
            failure_persistence: None,
            ..Config::default()
        });
        fuzz(&mut runner);
        rounds += 1;
        if Instant::now() >= deadline {
            break;
        }
    }
    eprintln!(
        "fuzz: {} cases in {rounds} round(s), no panic",
        rounds * 256
    );
}

#[test]
fn markdown_with_random_annotations_never_panics_and_stays_balanced() {
    let strategy = (
        "[ -~\n\u{2019}\u{201c}é]{0,200}",
        prop::collection::vec((0usize..220, 0usize..40), 0..6),
    );
    let mut runner = TestRunner::new(Config {
        cases: 512,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |(body, spans)| {
            let mut anns: Vec<Annotation> = spans
                .into_iter()
                .map(|(s, l)| (s.min(body.len()), (s + l).min(body.len())))
                .filter(|(s, e)| body.is_char_boundary(*s) && body.is_char_boundary(*e) && s < e)
                .map(|(s, e)| Annotation {
                    range: s..e,
                    open: "<span>".into(),
                    close: "</span>".into(),
                })
                .collect();
            // The engine only ever passes nested (never crossing) ranges.
            anns.sort_by_key(|a| (a.range.start, std::cmp::Reverse(a.range.end)));
            let mut kept: Vec<Annotation> = Vec::new();
            for a in anns {
                let crosses = kept.iter().any(|k| {
                    (k.range.start < a.range.start
                        && a.range.start < k.range.end
                        && k.range.end < a.range.end)
                        || (a.range.start < k.range.start
                            && k.range.start < a.range.end
                            && a.range.end < k.range.end)
                });
                if !crosses {
                    kept.push(a);
                }
            }
            let mut errors = Vec::new();
            let html = markdown::render(&body, &|_| Err("none".into()), &kept, &[], &mut errors);
            prop_assert_eq!(
                html.matches("<span>").count(),
                html.matches("</span>").count()
            );
            Ok(())
        })
        .expect("balanced");
}
