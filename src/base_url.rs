//! `base_url`: where the site will be published (`https://example.org/explainers/budget/`).
//! Optional: without it every URL stays relative and the site is a portable folder; with it,
//! the publishing emitters (`emit/`) can write absolute URLs where the web needs them
//! (canonical links, share cards, sitemap, feed).

use crate::config::{CONFIG_FILE, Config};
use crate::diagnostics::Diagnostic;

/// An absolute http(s) URL that ends in `/`, so a page URL relative to the site root can be
/// appended to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Checks `text` is an absolute http(s) URL with a host and no query or fragment; adds the
    /// trailing `/` when missing.
    pub fn parse(text: &str) -> Result<BaseUrl, String> {
        let t = text.trim();
        let rest = t
            .strip_prefix("https://")
            .or_else(|| t.strip_prefix("http://"))
            .ok_or_else(|| format!("`{text}` is not an absolute http(s) URL"))?;
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() || host.contains(char::is_whitespace) || host.contains('@') {
            return Err(format!("`{text}` has no valid host after `://`"));
        }
        if t.contains(['?', '#']) || t.contains(char::is_whitespace) {
            return Err(format!(
                "`{text}` has a query, fragment or space; give only the folder the site is published at"
            ));
        }
        if host.starts_with('[') && !host.contains(']') {
            return Err(format!("`{text}` has an unclosed `[` in its host"));
        }
        // Written into every page's canonical link and share tags: it must be a URL as is.
        if let Some(c) = t
            .chars()
            .find(|c| "\"<>\\^`{|}".contains(*c) || c.is_control())
        {
            return Err(format!(
                "`{text}` has `{}`, which a URL cannot carry as written",
                c.escape_default()
            ));
        }
        let bytes = t.as_bytes();
        let bad_escape = bytes.iter().enumerate().any(|(i, &b)| {
            b == b'%'
                && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        });
        if bad_escape {
            return Err(format!("`{text}` has a `%` not followed by two hex digits"));
        }
        if rest.split('/').skip(1).any(|seg| seg == "." || seg == "..") {
            return Err(format!(
                "`{text}` has a `.` or `..` folder; give the folder's own address"
            ));
        }
        let mut url = t.to_string();
        if !url.ends_with('/') {
            url.push('/');
        }
        Ok(BaseUrl(url))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The absolute URL of `rel` (a path from the site root, maybe with a `#fragment`), with
    /// every byte a URL may not carry as is (`é`, a space) percent-encoded: sitemaps, feeds
    /// and share tags want URLs, not the file names as written.
    pub fn join(&self, rel: &str) -> String {
        let mut url = self.0.clone();
        for &b in rel.trim_start_matches('/').as_bytes() {
            let keep = b.is_ascii_alphanumeric() || b"-._~/#!$&'()*+,;=:@%".contains(&b);
            if keep {
                url.push(char::from(b));
            } else {
                url.push_str(&format!("%{b:02X}"));
            }
        }
        url
    }

    /// The path relative to the site root of one of this site's own absolute URLs.
    pub fn strip<'a>(&self, url: &'a str) -> Option<&'a str> {
        url.strip_prefix(self.0.as_str())
    }
}

/// The site's base URL: `--base-url` when given, else `lede.toml`'s `base_url`, else none. An
/// invalid one is an error at its line in `lede.toml` (or naming the flag).
pub fn resolve(config: &Config, flag: Option<&str>) -> Result<Option<BaseUrl>, Diagnostic> {
    let hint = "write it as the absolute address the site is published at, like `base_url = \"https://example.org/explainers/name/\"`";
    if let Some(f) = flag {
        return BaseUrl::parse(f).map(Some).map_err(|why| {
            Diagnostic::error("--base-url", 1, format!("invalid --base-url: {why}")).with_hint(hint)
        });
    }
    match &config.base_url {
        None => Ok(None),
        Some(text) => BaseUrl::parse(text).map(Some).map_err(|why| {
            Diagnostic::error(
                CONFIG_FILE,
                config.line_of("base_url"),
                format!("invalid base_url: {why}"),
            )
            .with_hint(hint)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_http_and_https_with_a_path() {
        let b = BaseUrl::parse("https://example.org/explainers/budget").unwrap();
        assert_eq!(b.as_str(), "https://example.org/explainers/budget/");
        assert_eq!(
            b.join("figures/a.html"),
            "https://example.org/explainers/budget/figures/a.html"
        );
        assert_eq!(
            b.strip("https://example.org/explainers/budget/x.html"),
            Some("x.html")
        );
        assert!(BaseUrl::parse("http://localhost:8000/").is_ok());
    }

    #[test]
    fn joined_urls_percent_encode_what_a_url_cannot_carry() {
        let b = BaseUrl::parse("https://example.org/x/").unwrap();
        assert_eq!(
            b.join("figures/élodie roussel.html#q-a"),
            "https://example.org/x/figures/%C3%A9lodie%20roussel.html#q-a"
        );
        assert_eq!(
            b.join("camps/a-b_c.html"),
            "https://example.org/x/camps/a-b_c.html"
        );
    }

    #[test]
    fn refuses_relative_and_other_schemes() {
        for bad in [
            "http://[::1/",
            "https://x.org/%zz/",
            "https://x.org/../../",
            "https://x.org/\"><script>/",
            "example.org",
            "/explainers/",
            "ftp://example.org/",
            "https://",
            "https://example.org/?x=1",
            "file:///tmp/site/",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
