//! Snapshot tests of diagnostics: each folder of `tests/fixtures/invalid/<case>/` holds the
//! files that differ from `tests/fixtures/minimal` (laid over a copy of it) and
//! `expected.stderr`, what `lede check` must print, byte for byte. A wrong line number, a
//! second error for one cause or a changed message fails the test. After an intended change,
//! `LEDE_BLESS=1 cargo test --test invalid` rewrites the expected files (review the diff).

mod common;

use std::path::Path;

use common::{TestSite, repo_root};

const EXPECTED: &str = "expected.stderr";

fn lay_over(case: &Path, site: &TestSite) {
    for e in walkdir::WalkDir::new(case)
        .into_iter()
        .filter_map(Result::ok)
    {
        let rel = e.path().strip_prefix(case).expect("inside");
        if e.file_type().is_file() && rel != Path::new(EXPECTED) {
            let bytes = std::fs::read(e.path()).expect("read");
            site.write(&rel.to_string_lossy(), bytes);
        }
    }
}

#[test]
fn every_invalid_site_prints_its_expected_diagnostics() {
    let dir = repo_root().join("tests/fixtures/invalid");
    let bless = std::env::var_os("LEDE_BLESS").is_some();
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/invalid")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    let mut failed = Vec::new();
    for case in &cases {
        let name = case
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let site = TestSite::fixture("minimal");
        lay_over(case, &site);
        let run = site.check();
        assert_ne!(run.code, 0, "{name}: lede check must fail");
        let build = site.build();
        assert_ne!(build.code, 0, "{name}: lede build must fail");
        assert_eq!(
            build.stderr, run.stderr,
            "{name}: build and check say the same"
        );
        let expected_path = case.join(EXPECTED);
        if bless {
            std::fs::write(&expected_path, &run.stderr).expect("bless");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
        if expected != run.stderr {
            failed.push(format!(
                "--- {name}: expected\n{expected}--- {name}: got\n{}",
                run.stderr
            ));
        }
    }
    assert!(failed.is_empty(), "\n{}", failed.join("\n"));
}
