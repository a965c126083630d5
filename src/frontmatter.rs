//! Front matter: the TOML between the `+++` lines at the top of a content file.
//!
//! Every key is known: a key lede does not know is an error with a "did you mean", because
//! a silently dropped `titel = …` is worse than a failed build. Free-form data goes in
//! `[extra]`.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostics::{Diagnostic, did_you_mean, line_col};

mod plain;

const FENCE: &str = "+++";

/// The parsed header of one content file.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub template: Option<String>,
    pub page_template: Option<String>,
    #[serde(default)]
    pub weight: i64,
    #[serde(default)]
    pub date: Date,
    #[serde(default)]
    pub draft: bool,
    pub slug: Option<String>,
    /// This page's body is the text every quote is checked against.
    #[serde(default)]
    pub source: bool,
    /// Names whose first use in the source page links here.
    #[serde(default)]
    pub mentions: Vec<Spanned<String>>,
    #[serde(default)]
    pub quotes: Vec<QuoteDecl>,
    /// Shorter spans of this page's quotes, cited on their own (a comparison cell, a term).
    #[serde(default)]
    pub excerpts: Vec<ExcerptDecl>,
    /// On the source page: what is known about where the text comes from. Each is optional;
    /// templates say plainly what is not known.
    pub publisher: Option<String>,
    pub published: Option<Date>,
    pub author: Option<String>,
    pub url: Option<String>,
    /// On the source page: the editors' note about the source, in Markdown (shown as ours).
    pub about: Option<String>,
    /// On a section: rules for the `[extra]` of its pages.
    #[serde(default)]
    pub schema: BTreeMap<String, FieldRule>,
    pub compare: Option<Box<CompareDecl>>,
    /// Dated updates and corrections to this page, in any order (listed newest first).
    #[serde(default)]
    pub updates: Vec<UpdateDecl>,
    #[serde(default)]
    pub extra: toml::Table,
}

/// One `[[updates]]` entry: when the page changed, whether it was an update or a correction,
/// and a Markdown note saying what changed ("An earlier version of this page said …").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateDecl {
    /// A TOML date (`date = 2026-12-01`), checked by [`parse`].
    pub date: Spanned<toml::Value>,
    /// `update` or `correction`, checked by [`parse`].
    pub kind: Spanned<String>,
    pub note: String,
}

/// The kinds an `[[updates]]` entry may have.
pub const UPDATE_KINDS: [&str; 2] = ["update", "correction"];

impl UpdateDecl {
    /// The entry's day, `YYYY-MM-DD` (valid once [`parse`] accepted the page).
    pub fn day(&self) -> String {
        match self.date.get_ref() {
            toml::Value::Datetime(d) => d.date.map_or_else(String::new, |d| d.to_string()),
            _ => String::new(),
        }
    }

    pub fn is_correction(&self) -> bool {
        self.kind.get_ref() == "correction"
    }
}

/// The date must be a TOML date without a time, the kind one of [`UPDATE_KINDS`].
fn check_updates(
    fm: &FrontMatter,
    path: &str,
    text: &str,
    split: &Split<'_>,
) -> Result<(), Diagnostic> {
    let at = |offset: usize| line_col(text, split.toml_offset + offset);
    for u in &fm.updates {
        let ok_date = matches!(u.date.get_ref(), toml::Value::Datetime(d) if d.date.is_some() && d.time.is_none());
        if !ok_date {
            let (line, col) = at(u.date.span().start);
            return Err(Diagnostic::error(
                path,
                line,
                format!(
                    "an update's `date` must be a date, not `{}`",
                    u.date.get_ref()
                ),
            )
            .at_col(col)
            .with_hint("write a TOML date without quotes, like `date = 2026-12-01`"));
        }
        if !UPDATE_KINDS.contains(&u.kind.get_ref().as_str()) {
            let (line, col) = at(u.kind.span().start);
            let d = Diagnostic::error(
                path,
                line,
                format!("unknown update kind `{}`", u.kind.get_ref()),
            )
            .at_col(col)
            .with_hint("`kind` is \"update\" (something was added or changed) or \"correction\" (something was wrong)");
            return Err(d.suggest(u.kind.get_ref(), UPDATE_KINDS));
        }
    }
    Ok(())
}

/// A passage of the source attributed to the page's subject (on the source page itself: a
/// passage of the article's own narration that the site cites).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteDecl {
    pub id: Spanned<String>,
    pub text: Spanned<String>,
    /// `quotation` (the default: the subject's own words, inside quotation marks in the
    /// source) or `paraphrase` (the article reporting the subject's view in its own words).
    pub kind: Option<Spanned<String>>,
    /// The figure through whom the source reports this (`@/figures/x.md`): one person's
    /// account of another's words or view.
    pub via: Option<Spanned<String>>,
    /// Which occurrence in the source (1 = first) when the text stands there more than once.
    pub occurrence: Option<Spanned<usize>>,
    /// Our note about the quote (shown as ours).
    #[serde(default)]
    pub note: String,
}

/// A shorter span of one of the page's quotes, cited on its own. It is not a quote of its
/// own: it is not counted, and the article page attributes only its quote.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExcerptDecl {
    pub id: Spanned<String>,
    /// The id of the quote (on the same page) that holds it.
    pub of: Spanned<String>,
    pub text: Spanned<String>,
}

/// A date as TOML writes it (`date = 2024-09-30`) or as a string (`date = "2024-09-30"`);
/// kept as its text, which templates format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Date(pub String);

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Text(String),
            Toml(toml::value::Datetime),
        }
        Ok(Date(match Either::deserialize(d)? {
            Either::Text(s) => s,
            Either::Toml(t) => t.to_string(),
        }))
    }
}

/// A rule for one `[extra]` key: of the pages in a section (its `[schema]`), of `lede.toml`
/// or of the pages a template renders (the theme's declaration, `templates/theme.toml`).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FieldRule {
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub one_of: Vec<String>,
    /// The value is a reference to a page in this folder under `content/` (`*`: any page).
    #[serde(rename = "ref")]
    pub ref_section: Option<String>,
    /// The value must stand word for word in the source page.
    #[serde(default)]
    pub verbatim: bool,
    /// `string` (the default), `table` or `list`.
    #[serde(rename = "type")]
    pub value_type: Option<String>,
    /// What the key is for, for people (shown in hints).
    #[serde(default)]
    pub doc: String,
    /// A value to copy, shown in the hint for a missing key.
    #[serde(default)]
    pub example: String,
}

/// Where a rule's field lives, to word hints: `lede.toml`'s `[extra]` or a page's.
pub const ANY_PAGE: &str = "*";

/// A side-by-side table: one column per referenced page, one row per topic.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareDecl {
    pub columns: Vec<Spanned<String>>,
    #[serde(default)]
    pub rows: Vec<RowDecl>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowDecl {
    pub id: Option<String>,
    pub topic: Spanned<String>,
    #[serde(default)]
    pub cells: BTreeMap<String, CellDecl>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellDecl {
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub backing: Vec<Spanned<String>>,
    /// The article says nothing on this: the page says so instead of inventing a position.
    #[serde(default)]
    pub silent: bool,
}

/// A content file cut in two: the TOML header and the Markdown body.
#[derive(Debug, Clone, Copy)]
pub struct Split<'a> {
    pub toml: &'a str,
    /// Byte offset of `toml` in the file, to turn TOML spans into file positions.
    pub toml_offset: usize,
    pub body: &'a str,
    pub body_offset: usize,
}

/// Cuts a file at its `+++` fences. Errors carry (line, message, hint).
pub fn split(text: &str) -> Result<Split<'_>, (usize, String, String)> {
    let start = text.strip_prefix('\u{feff}').map_or(0, |_| 3);
    let rest = &text[start..];
    let first_line = rest.lines().next().unwrap_or("");
    if first_line.trim_end() != FENCE {
        let what = if rest.trim().is_empty() {
            "the file is empty"
        } else {
            "the file does not start with a `+++` line"
        };
        return Err((
            1,
            format!("no front matter: {what}"),
            "start the file with `+++`, then `title = \"…\"`, then `+++` on a line of its own"
                .into(),
        ));
    }
    let toml_offset =
        start + first_line.len() + usize::from(rest[first_line.len()..].starts_with('\n'));
    let mut offset = toml_offset;
    for line in text[toml_offset..].split_inclusive('\n') {
        if line.trim_end() == FENCE {
            let body_offset = offset + line.len();
            return Ok(Split {
                toml: &text[toml_offset..offset],
                toml_offset,
                body: &text[body_offset..],
                body_offset,
            });
        }
        offset += line.len();
    }
    Err((
        1,
        "front matter is never closed: the `+++` on line 1 has no closing `+++`".into(),
        "add a line containing only `+++` after the last front matter key".into(),
    ))
}

/// Parses the TOML header; on error returns a diagnostic positioned in the whole file.
pub fn parse(path: &str, text: &str, split: &Split<'_>) -> Result<FrontMatter, Diagnostic> {
    let fm = match plain::parse(split.toml) {
        Some(fm) => fm,
        None => toml::from_str::<FrontMatter>(split.toml).map_err(|e| {
            let offset = split.toml_offset + e.span().map_or(0, |s| s.start);
            let (line, col) = line_col(text, offset);
            toml_error(path, line, col, e.message())
        })?,
    };
    check_updates(&fm, path, text, split)?;
    Ok(fm)
}

/// What to write instead, for TOML that does not parse: the usual slip is a `"` inside a
/// double-quoted string (a quotation in a quote's text).
pub const TOML_HINT: &str = "this is TOML: `key = \"value\"`, one key per line; a `\"` inside a double-quoted string must be written `\\\"`, or put the string in single quotes ('He said \"no\"') or, over several lines, in '''…''' (no escapes needed in either)";

/// Byte offset in `toml` of the key at `path` (`["extra", "role"]`), from the parser's spans.
pub fn key_offset(toml: &str, path: &[&str]) -> Option<usize> {
    let doc = DeTable::parse(toml).ok()?;
    let (last, parents) = path.split_last()?;
    let mut table = doc.get_ref();
    for p in parents {
        let (_, v) = table.iter().find(|(k, _)| k.get_ref() == p)?;
        let DeValue::Table(t) = v.get_ref() else {
            return None;
        };
        table = t;
    }
    table
        .iter()
        .find(|(k, _)| k.get_ref() == last)
        .map(|(k, _)| k.span().start)
}

/// Byte offset in `toml` of the first key named `needle`, or string value equal to it,
/// anywhere in the document (the parser's spans, so a mention inside another value never
/// counts).
pub fn offset_of(toml: &str, needle: &str) -> Option<usize> {
    fn walk(v: &Spanned<DeValue<'_>>, needle: &str, best: &mut Option<usize>) {
        let found = |at: usize, best: &mut Option<usize>| {
            if best.is_none_or(|b| at < b) {
                *best = Some(at);
            }
        };
        match v.get_ref() {
            DeValue::String(s) if s == needle => found(v.span().start, best),
            DeValue::Array(a) => a.iter().for_each(|x| walk(x, needle, best)),
            DeValue::Table(t) => {
                for (k, x) in t {
                    if k.get_ref() == needle {
                        found(k.span().start, best);
                    }
                    walk(x, needle, best);
                }
            }
            _ => {}
        }
    }
    let doc = DeTable::parse(toml).ok()?;
    let mut best = None;
    for (k, v) in doc.get_ref() {
        if k.get_ref() == needle {
            best = Some(best.map_or(k.span().start, |b: usize| b.min(k.span().start)));
        }
        walk(v, needle, &mut best);
    }
    best
}

/// Turns serde's "unknown field `x`, expected one of `a`, `b`" into a did-you-mean.
pub fn toml_error(path: &str, line: usize, col: usize, message: &str) -> Diagnostic {
    toml_error_in("front matter", path, line, col, message)
}

/// As [`toml_error`], naming what failed to parse (`front matter`, `site config`).
pub fn toml_error_in(what: &str, path: &str, line: usize, col: usize, message: &str) -> Diagnostic {
    let message = message.trim();
    if let Some((wrong, expected)) = parse_unknown_field(message) {
        if let Some(hint) = retired_key(&wrong) {
            return Diagnostic::error(path, line, format!("`{wrong}` is no longer a key"))
                .at_col(col)
                .with_hint(hint);
        }
        let d = Diagnostic::error(path, line, format!("unknown key `{wrong}`"))
            .at_col(col)
            .with_hint(format!(
                "known keys here: {}; put your own data under [extra]",
                expected.join(", ")
            ));
        return match did_you_mean(&wrong, expected.iter().map(String::as_str)) {
            Some(best) => d.with_hint(format!(
                "did you mean `{best}`? (known keys here: {})",
                expected.join(", ")
            )),
            None => d,
        };
    }
    // toml says "invalid unquoted key" for `cells.transférer-à-tours`: only a-z, A-Z, 0-9,
    // `-` and `_` may stand bare in a key.
    let hint = if message.contains("unquoted key") {
        KEY_HINT
    } else {
        TOML_HINT
    };
    Diagnostic::error(path, line, format!("invalid {what}: {message}"))
        .at_col(col)
        .with_hint(hint)
}

pub const KEY_HINT: &str = "a key with characters other than a-z, A-Z, 0-9, `-` and `_` (an accented letter, a space, a dot) goes in double quotes: `[compare.rows.cells.\"transférer-à-tours\"]`, `\"clé\" = \"…\"`";

/// `key` as TOML writes it in a table header or dotted key: bare when it can be, else
/// quoted (`transférer-à-tours` → `"transférer-à-tours"`).
pub fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if bare {
        key.to_string()
    } else {
        format!("\"{}\"", key.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// Keys an earlier lede knew, with what replaced them.
fn retired_key(key: &str) -> Option<&'static str> {
    Some(match key {
        "reported" => {
            "say what kind of passage this is instead: `kind = \"paraphrase\"` when the article reports the person's view in its own words (the default, `quotation`, is their own words inside quotation marks); add `via = \"@/figures/name.md\"` when another figure reports it"
        }
        "voices" => {
            "a row's voices are now the speakers of its cells' backing quotes; delete this line"
        }
        _ => return None,
    })
}

fn parse_unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (wrong, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((wrong.to_string(), expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<FrontMatter, Diagnostic> {
        let s = split(text).map_err(|(l, m, _)| Diagnostic::error("t.md", l, m))?;
        parse("t.md", text, &s)
    }

    #[test]
    fn splits_header_and_body() {
        let text = "+++\ntitle = \"A\"\n+++\nBody\n";
        let s = split(text).unwrap();
        assert_eq!(s.toml, "title = \"A\"\n");
        assert_eq!(s.body, "Body\n");
        assert_eq!(parse_str(text).unwrap().title, "A");
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        let err = split("+++\ntitle = \"A\"\nBody\n").unwrap_err();
        assert!(err.1.contains("never closed"));
    }

    #[test]
    fn empty_file_is_an_error() {
        assert!(split("").unwrap_err().1.contains("empty"));
    }

    #[test]
    fn unknown_key_suggests_the_right_one() {
        let d = parse_str("+++\ntitle = \"A\"\ndescripton = \"x\"\n+++\n").unwrap_err();
        assert_eq!(d.line, 3);
        assert!(d.message.contains("unknown key `descripton`"), "{d}");
        assert!(d.hint.unwrap().contains("did you mean `description`"));
    }

    #[test]
    fn malformed_toml_points_at_its_line() {
        let d = parse_str("+++\ntitle = \"A\"\nweight = = 3\n+++\n").unwrap_err();
        assert_eq!(d.line, 3, "{d}");
    }

    #[test]
    fn dates_may_be_toml_dates_or_strings() {
        let fm = parse_str("+++\ntitle = \"A\"\ndate = 2024-09-30\n+++\n").unwrap();
        assert_eq!(fm.date.0, "2024-09-30");
        let fm = parse_str("+++\ntitle = \"A\"\npublished = \"2024-09-30\"\n+++\n").unwrap();
        assert_eq!(fm.published.unwrap().0, "2024-09-30");
    }

    #[test]
    fn the_retired_reported_flag_says_what_replaced_it() {
        let text =
            "+++\ntitle = \"A\"\n[[quotes]]\nid = \"a\"\ntext = \"b\"\nreported = true\n+++\n";
        let d = parse_str(text).unwrap_err();
        assert!(
            d.hint.unwrap().contains("kind = \"paraphrase\""),
            "{}",
            d.message
        );
    }

    #[test]
    fn updates_need_a_date_and_a_known_kind() {
        let ok = "+++\ntitle = \"A\"\n[[updates]]\ndate = 2026-12-01\nkind = \"correction\"\nnote = \"x\"\n+++\n";
        let fm = parse_str(ok).unwrap();
        assert_eq!(fm.updates[0].day(), "2026-12-01");
        assert!(fm.updates[0].is_correction());
        let d = parse_str(&ok.replace("2026-12-01", "\"yesterday\"")).unwrap_err();
        assert_eq!(d.line, 4, "{d}");
        let d = parse_str(&ok.replace("2026-12-01", "2026-12-01T10:00:00")).unwrap_err();
        assert_eq!(d.line, 4, "{d}");
        let d = parse_str(&ok.replace("\"correction\"", "\"corection\"")).unwrap_err();
        assert_eq!(d.line, 5, "{d}");
        assert!(d.hint.unwrap().contains("did you mean `correction`"));
    }

    #[test]
    fn missing_title_is_reported() {
        let d = parse_str("+++\nweight = 3\n+++\n").unwrap_err();
        assert!(d.message.contains("title"), "{d}");
    }
}
