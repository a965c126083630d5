//! The common front matter read without the TOML parser: a few `key = value` lines of
//! top-level strings, integers and booleans. The `toml` crate spends about 17,000
//! instructions on a four-line header (spans, tables, serde), which at 10,000 pages is a
//! tenth of the build's own work. Anything this reader is not sure of (a comment, an
//! escape, a table, a key it does not handle, a repeated key, a wrong type) is left to the
//! TOML parser, so every error still comes from there with its position; a property test
//! checks that both agree on what this reader accepts.

use super::{Date, FrontMatter};

/// The front matter `toml` describes, or `None` to ask the TOML parser.
pub fn parse(toml: &str) -> Option<FrontMatter> {
    if toml.contains('\r') {
        return None; // CRLF and stray carriage returns: the parser's rules, not ours
    }
    let mut fm = FrontMatter::default();
    // At most one line per key this reader knows, so a handful.
    let mut seen: Vec<&str> = Vec::with_capacity(9);
    for line in toml.split('\n') {
        let line = line.trim_matches(is_space);
        if line.is_empty() {
            continue;
        }
        let eq = memchr::memchr(b'=', line.as_bytes())?;
        let key = line[..eq].trim_end_matches(is_space);
        let value = line[eq + 1..].trim_start_matches(is_space);
        if seen.contains(&key) {
            return None; // a repeated key is an error the parser words
        }
        seen.push(key);
        match key {
            "title" => fm.title = string(value)?,
            "description" => fm.description = string(value)?,
            "template" => fm.template = Some(string(value)?),
            "page_template" => fm.page_template = Some(string(value)?),
            "slug" => fm.slug = Some(string(value)?),
            "date" => fm.date = Date(string(value)?),
            "weight" => fm.weight = integer(value)?,
            "draft" => fm.draft = boolean(value)?,
            "source" => fm.source = boolean(value)?,
            _ => return None, // every other key, known or not, is the parser's
        }
    }
    // `title` is required: its absence is the parser's error to word.
    seen.contains(&"title").then_some(fm)
}

/// TOML's whitespace.
fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// A one-line string that means exactly its characters: `"…"` without escapes, or `'…'`;
/// nothing may follow it. Control characters (other than tab, and including U+0080 to
/// U+009F) are the parser's to refuse.
fn string(value: &str) -> Option<String> {
    let quote = *value
        .as_bytes()
        .first()
        .filter(|&&q| q == b'"' || q == b'\'')?;
    let inner = &value.as_bytes()[1..];
    let end = memchr::memchr(quote, inner)?;
    let text = &inner[..end];
    let escape = quote == b'"' && memchr::memchr(b'\\', text).is_some();
    // Most values are printable ASCII: one quick pass settles them.
    let printable = |b: &u8| (b' '..0x7f).contains(b) || *b == b'\t';
    let control = !text.iter().all(printable)
        && text.iter().enumerate().any(|(i, &b)| {
            (b < 0x20 && b != b'\t')
                || b == 0x7f
                || (b == 0xc2 && text.get(i + 1).is_some_and(|n| (0x80..0xa0).contains(n)))
        });
    // Cut at ASCII quotes, so both pieces are still UTF-8.
    (end + 2 == value.len() && !escape && !control).then(|| value[1..end + 1].to_string())
}

/// A decimal integer as people write a weight: `0`, `12`, `-3` (no `+`, `_` or leading zero).
fn integer(value: &str) -> Option<i64> {
    let digits = value.strip_prefix('-').unwrap_or(value);
    let simple = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    simple.then(|| value.parse().ok()).flatten()
}

fn boolean(value: &str) -> Option<bool> {
    match value {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn by_toml(toml: &str) -> Option<FrontMatter> {
        toml::from_str::<FrontMatter>(toml).ok()
    }

    #[test]
    fn reads_the_common_header() {
        let fm = parse(
            "title = \"A \u{201c}b\u{201d}\"\nweight = -3\n\tdate = '2024-01-02'\ndraft = false\n",
        )
        .unwrap();
        assert_eq!(fm.title, "A \u{201c}b\u{201d}");
        assert_eq!(fm.weight, -3);
        assert_eq!(fm.date, Date("2024-01-02".into()));
    }

    #[test]
    fn leaves_the_rest_to_the_toml_parser() {
        for toml in [
            "title = \"a\\\"b\"\n",           // an escape
            "title = \"a\" # note\n",         // a comment
            "title = \"a\"\ntitle = \"b\"\n", // a repeated key
            "title = \"a\"\ntitel = \"b\"\n", // an unknown key (did you mean)
            "title = 5\n",                    // a wrong type
            "weight = 1_000\ntitle = \"a\"\n",
            "weight = 012\ntitle = \"a\"\n",
            "title = \"\"\"a\"\"\"\n",
            "title = \"a\"\n[extra]\nrole = \"x\"\n",
            "description = \"no title\"\n",
            "title = \"a\"\r\n",
            "title = \"a\u{7}\"\n",
        ] {
            assert!(parse(toml).is_none(), "{toml:?}");
        }
    }

    /// A line the reader may accept or refuse: mostly the right kind of value for its key,
    /// with spacing, quotes, escapes and numbers near the reader's rules.
    fn line() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec![
            "title",
            "description",
            "date",
            "weight",
            "draft",
            "slug",
            "template",
            "source",
            "page_template",
            "titel",
        ]);
        let text = prop_oneof![
            4 => "\"[a-zA-Z0-9 '#=\\\\\t\u{e9}\u{201c}\u{85}-]{0,12}\"",
            2 => "'[a-zA-Z0-9 \"#=\\\\-]{0,12}'",
            1 => prop::sample::select(vec!["\"\"\"x\"\"\"", "''", "\"a\"b\"", "2024-01-02"])
                .prop_map(str::to_string),
        ];
        let number = prop_oneof![
            4 => "-?[0-9]{1,6}",
            1 => "[+-]?[0-9_]{1,20}",
            1 => Just("1.5".to_string()),
        ];
        let boolean =
            prop::sample::select(vec!["true", "false", "True", "1"]).prop_map(str::to_string);
        let value = prop_oneof![3 => text, 1 => number, 1 => boolean];
        (
            key,
            "[ \t]{0,2}",
            value,
            "[ \t]{0,2}",
            prop::bool::weighted(0.05),
        )
            .prop_map(|(k, sp, v, end, comment)| {
                let comment = if comment { " # c" } else { "" };
                format!("{k}{sp}={sp}{v}{end}{comment}")
            })
    }

    proptest! {
        /// Whatever the reader accepts, the TOML parser reads to the same front matter.
        #[test]
        fn agrees_with_the_toml_parser(
            title in "title = \"[a-z ]{0,8}\"",
            lines in prop::collection::vec(line(), 0..6),
            at in 0usize..6,
        ) {
            let mut lines = lines;
            lines.insert(at.min(lines.len()), title);
            let toml = lines.join("\n") + "\n";
            if let Some(fm) = parse(&toml) {
                let parsed = by_toml(&toml);
                prop_assert!(parsed.is_some(), "toml refuses {toml:?}");
                prop_assert_eq!(format!("{fm:?}"), format!("{:?}", parsed.unwrap()));
            }
        }
    }
}
