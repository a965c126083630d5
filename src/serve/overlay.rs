//! What `lede serve` adds to HTML as it is sent, never to the snapshot: the reload script
//! and, while the latest build failed, the error overlay listing every error at its
//! `file:line:col`.

use std::fmt::Write as _;

use crate::diagnostics::Diagnostic;

use super::routes::EVENTS_PATH;

/// One error as the overlay shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownError {
    pub path: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
    pub hint: Option<String>,
}

impl From<&Diagnostic> for ShownError {
    fn from(d: &Diagnostic) -> Self {
        ShownError {
            path: d.path.display().to_string(),
            line: d.line,
            col: d.col,
            message: d.message.clone(),
            hint: d.hint.clone(),
        }
    }
}

// What is added to served HTML

/// Marks the start of what `lede serve` adds to a page; nothing of it is in the build.
pub const INJECT_START: &str = "<!-- lede serve -->";

/// Adds the reload script (and the error overlay, if there are errors) to a page, just
/// before `</body>` (or at the end when there is none).
pub fn inject(html: &[u8], page: Option<&str>, tag: &str, errors: &[ShownError]) -> Vec<u8> {
    let mut add = String::from(INJECT_START);
    if !errors.is_empty() {
        add.push_str(&overlay(errors));
    }
    let page_js = match page {
        Some(p) => json_string(p),
        None => "null".into(),
    };
    let _ = write!(
        add,
        "<script>{}</script>",
        RELOAD_JS
            .replace("__PAGE__", &page_js)
            .replace("__TAG__", &json_string(tag))
            .replace("__EVENTS__", &json_string(EVENTS_PATH))
    );
    let at = find_body_end(html).unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + add.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(add.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// Removes what [`inject`] added, giving back the page as built.
pub fn strip_injected(html: &[u8]) -> Vec<u8> {
    let start = INJECT_START.as_bytes();
    let Some(at) = html.windows(start.len()).rposition(|w| w == start) else {
        return html.to_vec();
    };
    let end_tag = b"</script>";
    let Some(len) = html[at..]
        .windows(end_tag.len())
        .position(|w| w == end_tag)
        .map(|p| p + end_tag.len())
    else {
        return html.to_vec();
    };
    let mut out = html[..at].to_vec();
    out.extend_from_slice(&html[at + len..]);
    out
}

fn find_body_end(html: &[u8]) -> Option<usize> {
    let needle = b"</body";
    html.windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle))
}

/// Reloads the page when it (or anything it may load, or the errors) changed. `page` is
/// the output path the page was served from (`null` for error and 404 pages: any change may
/// concern them); `tag` is the state it was served at, so a change that happened before the
/// stream connected is not missed.
const RELOAD_JS: &str = r#"(function(){var page=__PAGE__,tag=__TAG__;if(!window.EventSource)return;var es=new EventSource(__EVENTS__);es.addEventListener("hello",function(e){if(e.data!==tag)location.reload();});es.addEventListener("reload",function(e){var d=JSON.parse(e.data);if(d.tag===tag)return;var mine=page===null||d.all||d.errors_changed||d.changed.some(function(p){return p===page||!/\.html?$/.test(p);});if(mine)location.reload();else tag=d.tag;});})();"#;

fn overlay(errors: &[ShownError]) -> String {
    let mut s = String::from(
        "<div id=\"lede-overlay\" role=\"alert\" style=\"position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;padding:2rem;background:rgba(20,20,20,.94);color:#f5f5f5;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;text-align:left\">",
    );
    s.push_str("<button type=\"button\" onclick=\"this.parentNode.remove()\" style=\"float:right;font:inherit;color:inherit;background:none;border:1px solid currentColor;border-radius:4px;padding:.25rem .75rem;cursor:pointer\">Hide</button>");
    let _ = write!(
        s,
        "<p style=\"margin:0 0 1rem;font-size:16px;color:#ff8a80\"><strong>lede: the build failed with {} error(s).</strong> Still showing the last good build; fix the file and this page reloads.</p><ol style=\"margin:0;padding-left:1.5rem\">",
        errors.len()
    );
    for e in errors {
        let _ = write!(
            s,
            "<li style=\"margin:0 0 .75rem\"><span class=\"lede-error-at\" style=\"color:#82b1ff\">{}:{}:{}</span>: <span class=\"lede-error-message\">{}</span>",
            escape(&e.path),
            e.line,
            e.col,
            escape(&e.message)
        );
        if let Some(h) = &e.hint {
            let _ = write!(
                s,
                "<br><span style=\"color:#b9f6ca;white-space:pre-wrap\">help: {}</span>",
                escape(h)
            );
        }
        s.push_str("</li>");
    }
    s.push_str("</ol></div>");
    s
}

pub use crate::annotate::escape;

/// A JSON string literal that is also safe inside a `<script>` element.
fn json_string(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_else(|_| "\"\"".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
}
