//! Reading the article given to `lede init --source`: refused clearly when it is empty,
//! binary or not UTF-8; otherwise split into a headline and a Markdown body whose words are
//! the article's, verbatim.

use std::path::Path;

use anyhow::{Context, bail};

/// The article, ready to become `content/article.md`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceText {
    pub headline: String,
    /// The article's text as Markdown paragraphs, words unchanged.
    pub body: String,
}

/// Reads and checks the source file.
pub fn read(path: &Path, title: Option<&str>) -> anyhow::Result<SourceText> {
    let bytes = std::fs::read(path).with_context(|| {
        format!(
            "cannot read the source text {}: give the path of the article saved as a text file",
            path.display()
        )
    })?;
    let text = decode(path, &bytes)?;
    Ok(split(&text, title))
}

/// UTF-8 text without a byte order mark and with `\n` line ends, or a clear refusal.
pub fn decode(path: &Path, bytes: &[u8]) -> anyhow::Result<String> {
    let shown = path.display();
    if bytes.contains(&0) {
        bail!(
            "{shown} is not a text file (it contains NUL bytes, so it is probably a PDF, a word \
             processor document or an image): save the article as plain text (UTF-8, .txt) and pass that file"
        );
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.valid_up_to();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            bail!(
                "{shown} is not UTF-8 text (invalid byte 0x{:02X} on line {line}, byte {at}): re-save it \
                 as UTF-8, e.g. `iconv -f WINDOWS-1252 -t UTF-8 {shown} > article-utf8.txt`",
                bytes[at]
            );
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        bail!(
            "{shown} is empty{}: paste the article's text into it (headline on the first line), then run `lede init` again",
            if text.is_empty() {
                ""
            } else {
                " (only whitespace)"
            }
        );
    }
    Ok(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// The first line is the headline unless a title is given; the rest is the body. Plain text
/// with one paragraph per line gets a blank line between paragraphs, so Markdown keeps them
/// apart; that changes whitespace only, which quote checks ignore.
pub fn split(text: &str, title: Option<&str>) -> SourceText {
    let text = text.trim_matches('\n');
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let (headline, body) = match title {
        Some(t) => (t.trim().to_string(), text),
        None if rest.trim().is_empty() => (heading_text(first), text),
        None => (heading_text(first), rest),
    };
    SourceText {
        headline,
        body: paragraphs(body),
    }
}

/// A first line written as a Markdown heading (`# Title`) loses its `#`s.
fn heading_text(line: &str) -> String {
    line.trim().trim_start_matches('#').trim().to_string()
}

fn paragraphs(body: &str) -> String {
    let lines: Vec<&str> = body.trim_matches('\n').lines().map(str::trim_end).collect();
    let has_blank_lines = lines.iter().any(|l| l.is_empty());
    let sep = if has_blank_lines { "\n" } else { "\n\n" };
    let mut out = lines.join(sep);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_line_is_the_headline_and_lines_become_paragraphs() {
        let s = split("The Bridge\nFirst “line”.\nSecond line.\n", None);
        assert_eq!(s.headline, "The Bridge");
        assert_eq!(s.body, "First “line”.\n\nSecond line.\n");
    }

    #[test]
    fn a_title_keeps_the_whole_text_and_blank_lines_are_kept() {
        let s = split("# Heading\n\nPara one\nwrapped.\n\nPara two.", Some("Mine"));
        assert_eq!(s.headline, "Mine");
        assert_eq!(s.body, "# Heading\n\nPara one\nwrapped.\n\nPara two.\n");
        assert_eq!(split("# Heading\n\nText.", None).headline, "Heading");
    }

    #[test]
    fn bad_sources_are_refused_clearly() {
        let p = Path::new("a.txt");
        let empty = decode(p, b"  \n").unwrap_err().to_string();
        assert!(
            empty.contains("a.txt is empty (only whitespace)"),
            "{empty}"
        );
        let binary = decode(p, b"%PDF\0\x01").unwrap_err().to_string();
        assert!(binary.contains("NUL bytes"), "{binary}");
        let latin1 = decode(p, b"line\ncaf\xe9").unwrap_err().to_string();
        assert!(
            latin1.contains("not UTF-8") && latin1.contains("line 2"),
            "{latin1}"
        );
        assert_eq!(decode(p, "\u{feff}a\r\nb".as_bytes()).unwrap(), "a\nb");
    }
}
