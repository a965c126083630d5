//! Test support: copy a fixture site into a temp folder, change it, run the real `lede`
//! binary on it, and look at what it wrote and said.
#![allow(dead_code)] // each test file uses a different part of this

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

/// The repository root (where the real explainer lives).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A site in a temp folder.
pub struct TestSite {
    dir: TempDir,
}

/// What one run of the CLI did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn assert_ok(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "lede failed:\n{}\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn assert_failed(&self) -> &Self {
        assert_ne!(self.code, 0, "lede should have failed:\n{}", self.stdout);
        self
    }

    pub fn assert_stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "expected `{needle}` in:\n{}",
            self.stderr
        );
        self
    }
}

impl TestSite {
    /// A copy of `tests/fixtures/<name>`.
    pub fn fixture(name: &str) -> TestSite {
        let site = TestSite {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        copy_dir(&repo_root().join("tests/fixtures").join(name), site.path());
        site
    }

    /// A copy of `tests/fixtures/<name>` (its lede.toml and content/) dressed in the default
    /// theme: the repository's own templates/ and static/.
    pub fn with_default_theme(name: &str) -> TestSite {
        let site = TestSite::fixture(name);
        for d in ["templates", "static"] {
            copy_dir(&repo_root().join(d), &site.path().join(d));
        }
        site
    }

    /// An empty temp folder (for `lede init`).
    pub fn empty() -> TestSite {
        TestSite {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A copy of the repository's own explainer (lede.toml, content, templates, static).
    pub fn explainer() -> TestSite {
        let site = TestSite {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        let root = repo_root();
        std::fs::copy(root.join("lede.toml"), site.path().join("lede.toml")).expect("lede.toml");
        for d in ["content", "templates", "static"] {
            copy_dir(&root.join(d), &site.path().join(d));
        }
        site
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn out(&self) -> PathBuf {
        self.path().join("public")
    }

    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> &Self {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
        self
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// Replaces the one occurrence of `from` in a file; panics if it is not there, so a test
    /// never silently edits nothing.
    pub fn edit(&self, rel: &str, from: &str, to: &str) -> &Self {
        let text = self.read(rel);
        assert!(text.contains(from), "`{from}` not found in {rel}");
        self.write(rel, text.replacen(from, to, 1))
    }

    pub fn remove(&self, rel: &str) -> &Self {
        std::fs::remove_file(self.path().join(rel)).expect("remove");
        self
    }

    /// Runs `lede` with these arguments in the site folder.
    pub fn lede(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_lede"))
            .args(args)
            .current_dir(self.path())
            .output()
            .expect("run lede");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `lede build` into `<site>/public`.
    pub fn build(&self) -> Run {
        self.lede(&["build", "--root", ".", "--output", "public"])
    }

    pub fn check(&self) -> Run {
        self.lede(&["check", "--root", "."])
    }

    /// A built page, by its path in the output.
    pub fn page(&self, rel: &str) -> String {
        std::fs::read_to_string(self.out().join(rel))
            .unwrap_or_else(|e| panic!("output {rel}: {e}"))
    }
}

/// Every file under `dir` with its bytes, for before/after comparisons.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).expect("inside").to_path_buf();
            (rel, std::fs::read(e.path()).expect("read"))
        })
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let rel = e.path().strip_prefix(from).expect("inside");
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(e.path(), &dest).expect("copy");
        }
    }
}

/// All `href`/`src` values and all `id` values of an HTML page (a test's own small scanner,
/// independent of lede's link checker).
pub fn links_and_ids(html: &str) -> (Vec<String>, Vec<String>) {
    let grab = |attr: &str| -> Vec<String> {
        let pat = format!(" {attr}=\"");
        html.match_indices(&pat)
            .map(|(i, _)| {
                let rest = &html[i + pat.len()..];
                rest[..rest.find('"').unwrap_or(0)].replace("&amp;", "&")
            })
            .collect()
    };
    let mut links = grab("href");
    links.extend(grab("src"));
    (links, grab("id"))
}
