//! The README's "Your own explainer in ten minutes", run as written: its ```sh blocks, in
//! order, in one shell, on a fixture article, so the tutorial cannot rot.

mod common;

use std::path::Path;
use std::process::Command;

use common::{TestSite, repo_root};

const HEADING: &str = "## Your own explainer in ten minutes";

/// The ```sh blocks between the tutorial's heading and the next `## ` heading.
fn tutorial_commands(readme: &str) -> Vec<String> {
    let start = readme
        .find(HEADING)
        .unwrap_or_else(|| panic!("README.md has no `{HEADING}` section"));
    let section = &readme[start + HEADING.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in section.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn the_tutorial_runs_as_written() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let blocks = tutorial_commands(&readme);
    assert!(
        blocks.len() >= 3 && blocks.iter().any(|b| b.contains("lede init")),
        "the tutorial lost its commands: {blocks:?}"
    );
    let site = TestSite::empty();
    std::fs::copy(
        repo_root().join("tests/fixtures/tutorial/article.txt"),
        site.path().join("article.txt"),
    )
    .expect("fixture article");
    let script = format!("set -eu\n{}", blocks.concat());
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_lede"))
        .parent()
        .expect("binary folder");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(site.path())
        .env("PATH", path)
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the tutorial failed:\n{script}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert!(
        stdout.contains("4 quotation(s) found, 4 attributed, 0 unattributed"),
        "{stdout}"
    );
    let public = site.path().join("my-explainer/public");
    assert!(public.join("index.html").is_file(), "{stdout}");
    for figure in ["jane-doe", "tom-berg"] {
        let page = public.join(format!("figures/{figure}.html"));
        assert!(page.is_file(), "confirmed figure {figure} is published");
    }
    let compare = std::fs::read_to_string(public.join("compare.html")).expect("the comparison");
    for expected in [
        "What the ferry is",
        "Keep the ferry",
        "Build the bridge",
        "<details class=\"evidence\">",
    ] {
        assert!(
            compare.contains(expected),
            "compare.html lacks `{expected}`"
        );
    }
    let jane = std::fs::read_to_string(public.join("figures/jane-doe.html")).expect("Jane");
    assert!(
        jane.contains("camps/keep-the-ferry.html"),
        "Jane is in her camp"
    );
}

#[test]
fn blocks_are_taken_from_the_tutorial_section_only() {
    let readme = "## Other\n```sh\nno\n```\n## Your own explainer in ten minutes\ntext\n```sh\na\nb\n```\n```toml\nx\n```\n## Next\n```sh\nno\n```\n";
    assert_eq!(tutorial_commands(readme), ["a\nb\n"]);
}
