//! Problems found in a site, reported the way compilers do: `path:line:col: error: message`,
//! then a hint saying what to do. Every stage pushes into one `Diagnostics` list so that
//! `lede check` can show every problem at once instead of stopping at the first.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem, tied to a file and (where known) a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub path: PathBuf,
    pub line: usize,
    pub col: usize,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(path: impl AsRef<Path>, line: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            path: path.as_ref().to_path_buf(),
            line: line.max(1),
            col: 1,
            message: message.into(),
            hint: None,
        }
    }

    pub fn warning(path: impl AsRef<Path>, line: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, line, message)
        }
    }

    pub fn at_col(mut self, col: usize) -> Self {
        self.col = col.max(1);
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds "did you mean `x`?" to the hint when a close candidate exists.
    pub fn suggest<'a>(self, wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Self {
        match did_you_mean(wrong, candidates) {
            Some(best) => {
                let hint = match self.hint.as_deref() {
                    Some(h) => format!("did you mean `{best}`? {h}"),
                    None => format!("did you mean `{best}`?"),
                };
                self.with_hint(hint)
            }
            None => self,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {level}: {}",
            self.path.display(),
            self.line,
            self.col,
            self.message
        )?;
        if let Some(hint) = &self.hint {
            for (i, line) in hint.lines().enumerate() {
                let lead = if i == 0 { "  = help: " } else { "          " };
                write!(f, "\n{lead}{line}")?;
            }
        }
        Ok(())
    }
}

/// Everything found in one run, in a stable order.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Adds `d` unless the very same diagnostic is already there, so the counts are those
    /// of the lines printed.
    pub fn push(&mut self, d: Diagnostic) {
        if !self.items.contains(&d) {
            self.items.push(d);
        }
    }

    /// Number of diagnostics so far (a mark for [`Diagnostics::drop_consequences`]).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// One error per cause: drops the diagnostics after `mark` that only follow from a cause
    /// reported before `mark`: a file that failed to load or parse (a reference to it "does
    /// not exist", a template that extends it "does not exist"), or a broken link in content
    /// (the template rendering that text fails on it too). `mentions` are the ways a message
    /// names such a cause.
    pub fn drop_consequences(&mut self, mark: usize, mentions: &[String]) {
        if mentions.is_empty() {
            return;
        }
        let mut i = 0;
        self.items.retain(|d| {
            i += 1;
            i <= mark || !mentions.iter().any(|m| d.message.contains(m.as_str()))
        });
    }

    /// Drops, among the diagnostics after `mark`, each one that another at the same file and
    /// line says in full and more: two checks of one mistake make one message.
    pub fn drop_restated(&mut self, mark: usize) {
        let later = &self.items[mark.min(self.items.len())..];
        let restated: Vec<bool> = later
            .iter()
            .map(|d| {
                later.iter().any(|o| {
                    o.path == d.path
                        && o.line == d.line
                        && o.message.len() > d.message.len()
                        && o.message.contains(d.message.as_str())
                })
            })
            .collect();
        let mut i = 0;
        self.items.retain(|_| {
            i += 1;
            i <= mark || !restated[i - 1 - mark]
        });
    }

    pub fn extend(&mut self, other: Diagnostics) {
        other.items.into_iter().for_each(|d| self.push(d));
    }

    /// The files with errors so far, for [`Diagnostics::drop_consequences`].
    pub fn error_paths(&self) -> Vec<&Path> {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.path.as_path())
            .collect()
    }

    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn count(&self, s: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == s).count()
    }

    /// Sorted by file, then position, so output is the same on every run.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.items.iter().collect();
        v.sort_by(|a, b| {
            (&a.path, a.line, a.col, a.severity, &a.message)
                .cmp(&(&b.path, b.line, b.col, b.severity, &b.message))
        });
        v.dedup();
        v
    }
}

/// The failure of a build or check: carries every diagnostic so the CLI can print them all.
#[derive(Debug)]
pub struct Failed(pub Diagnostics);

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.0.sorted() {
            writeln!(f, "{d}")?;
        }
        write!(
            f,
            "{} error(s), {} warning(s)",
            self.0.errors(),
            self.0.warnings()
        )
    }
}

impl std::error::Error for Failed {}

/// The closest candidate to `wrong`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(wrong, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c.to_string())
}

/// "; did you mean `x`?" when a close candidate exists, else nothing: the end of a
/// "does not exist" message.
pub fn did_you_mean_suffix<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    did_you_mean(wrong, candidates).map_or(String::new(), |b| format!("; did you mean `{b}`?"))
}

/// Line of the first occurrence of `needle` in `text` (1 if absent): a best effort for
/// values whose position the parser does not keep.
pub fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle).map_or(1, |i| line_col(text, i).0)
}

/// 1-based line and column of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let keys = ["title", "description", "template"];
        assert_eq!(did_you_mean("titel", keys), Some("title".into()));
        assert_eq!(did_you_mean("zzz", keys), None);
    }

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }

    #[test]
    fn the_count_is_of_the_lines_printed() {
        let mut d = Diagnostics::default();
        for _ in 0..3 {
            d.push(Diagnostic::error("content/a.md", 3, "bad"));
        }
        d.push(Diagnostic::error("content/b.md", 1, "bad"));
        let shown = Failed(d).to_string();
        assert_eq!(shown.lines().count(), 3, "{shown}");
        assert!(shown.ends_with("2 error(s), 0 warning(s)"), "{shown}");
    }

    #[test]
    fn display_is_compiler_style() {
        let d = Diagnostic::error("content/a.md", 3, "bad").with_hint("fix it");
        assert_eq!(
            d.to_string(),
            "content/a.md:3:1: error: bad\n  = help: fix it"
        );
    }
}
