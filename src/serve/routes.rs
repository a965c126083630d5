//! Answering requests from the snapshot: URL → output path (never a file outside the site),
//! Content-Type, 404 and redirects, and the Server-Sent Events stream that tells open pages
//! to reload.

use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::http;
use super::live::{Bytes, Live, Snapshot, State};
use super::overlay::inject;

/// The Server-Sent Events stream that tells open pages to reload.
pub const EVENTS_PATH: &str = "/__lede/events";
/// At most this many open event streams (each holds a thread).
const MAX_STREAMS: usize = 256;
/// An event stream sends a comment this often, so dead connections are noticed.
const KEEPALIVE: Duration = Duration::from_secs(15);

// Answering requests

/// An answer to one request, before it is sent.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
}

/// What a request asks for.
#[derive(Debug)]
pub enum Route {
    /// The live event stream.
    Events,
    Reply(Reply),
}

/// Answers `method url` from `state`. Pure: no file is read, so nothing outside the
/// snapshot can ever be served.
pub fn route(live: &Live, state: &State, method: &str, url: &str) -> Route {
    if method != "GET" && method != "HEAD" {
        let mut r = text_reply(
            405,
            "405 Method Not Allowed: lede serve answers GET and HEAD\n",
        );
        r.headers.push(("Allow", "GET, HEAD".into()));
        return Route::Reply(r);
    }
    let path = url.split(['?', '#']).next().unwrap_or("");
    if path == EVENTS_PATH && method == "GET" {
        return Route::Events;
    }
    let tag = live.tag(state.version);
    let Some(site) = state.site.as_deref() else {
        // No build has passed yet: every page is the error overlay.
        let page = "<!doctype html><html><head><meta charset=\"utf-8\"><title>lede: build failed</title></head><body><h1>The site has errors</h1><p>lede serve shows the site once it builds.</p></body></html>";
        let body = inject(page.as_bytes(), None, &tag, &state.errors);
        return Route::Reply(Reply {
            status: 500,
            headers: vec![content_type("index.html")],
            body: Bytes(Arc::new(body)),
        });
    };
    let (status, key, bytes) = match resolve(site, path) {
        Resolved::Found(key) => match site.get(&key) {
            Some(b) => (200, key, b.clone()),
            None => return Route::Reply(not_found(live, state, site)),
        },
        Resolved::Redirect(location) => {
            let mut r = text_reply(301, "301 Moved Permanently\n");
            r.headers.push(("Location", location));
            return Route::Reply(r);
        }
        Resolved::NotFound => return Route::Reply(not_found(live, state, site)),
    };
    Route::Reply(file_reply(status, &key, bytes, Some(&key), &tag, state))
}

fn not_found(live: &Live, state: &State, site: &Snapshot) -> Reply {
    match site.get("404.html") {
        Some(b) => file_reply(
            404,
            "404.html",
            b.clone(),
            None,
            &live.tag(state.version),
            state,
        ),
        None => text_reply(404, "404 Not Found\n"),
    }
}

fn file_reply(
    status: u16,
    key: &str,
    bytes: Bytes,
    page: Option<&str>,
    tag: &str,
    state: &State,
) -> Reply {
    let body = if is_html(key) {
        Bytes(Arc::new(inject(&bytes.0, page, tag, &state.errors)))
    } else {
        bytes
    };
    Reply {
        status,
        headers: vec![content_type(key)],
        body,
    }
}

fn text_reply(status: u16, text: &str) -> Reply {
    Reply {
        status,
        headers: vec![("Content-Type", "text/plain; charset=utf-8".to_string())],
        body: Bytes(Arc::new(text.as_bytes().to_vec())),
    }
}

/// Where a URL path leads in a snapshot.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    Found(String),
    Redirect(String),
    NotFound,
}

/// Maps a URL path to an output path: `/` → `index.html`, `/figures/` →
/// `figures/index.html`, `/figures` → a redirect to `/figures/`. Percent-escapes are decoded
/// first; any `.` or `..` segment, backslash or NUL is refused rather than resolved, and empty
/// segments (`//etc`) are dropped, so the result is always a plain path inside the map.
pub fn resolve(site: &Snapshot, path: &str) -> Resolved {
    let Some(decoded) = percent_decode(path) else {
        return Resolved::NotFound;
    };
    if decoded.contains(['\\', '\0']) {
        return Resolved::NotFound;
    }
    let segments: Vec<&str> = decoded.split('/').filter(|s| !s.is_empty()).collect();
    if segments.iter().any(|s| *s == "." || *s == "..") {
        return Resolved::NotFound;
    }
    let key = segments.join("/");
    if key.is_empty() {
        return Resolved::Found("index.html".into());
    }
    if decoded.ends_with('/') {
        return Resolved::Found(format!("{key}/index.html"));
    }
    if site.get(&key).is_some() {
        return Resolved::Found(key);
    }
    if site.get(&format!("{key}/index.html")).is_some() {
        return Resolved::Redirect(format!("/{}/", percent_encode(&key)));
    }
    Resolved::NotFound
}

fn percent_decode(s: &str) -> Option<String> {
    // A `%` not followed by two hex digits is kept as is by the crate; here it is refused.
    let bytes = s.as_bytes();
    let malformed = bytes.iter().enumerate().any(|(i, &b)| {
        b == b'%'
            && !bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    if malformed {
        return None;
    }
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// Everything but unreserved characters and `/` is escaped.
const PATH_ESCAPES: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, PATH_ESCAPES).to_string()
}

fn is_html(path: &str) -> bool {
    path.ends_with(".html") || path.ends_with(".htm")
}

/// The Content-Type header for an output path, by extension (text types in UTF-8).
pub fn content_type(path: &str) -> (&'static str, String) {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let t = if mime.type_() == mime_guess::mime::TEXT
        || mime.essence_str() == "application/javascript"
    {
        let essence = if mime.essence_str() == "application/javascript" {
            "text/javascript"
        } else {
            mime.essence_str()
        };
        format!("{essence}; charset=utf-8")
    } else {
        mime.essence_str().to_string()
    };
    ("Content-Type", t)
}

/// The data of a `reload` event for `state`.
fn reload_event(live: &Live, state: &State, seen: u64) -> String {
    let data = serde_json::json!({
        "tag": live.tag(state.version),
        "changed": *state.changed,
        // More than one rebuild since the last event: what changed in between is unknown.
        "all": state.version > seen + 1,
        "errors_changed": state.errors_changed,
    });
    format!("event: reload\ndata: {data}\n\n")
}

/// Answers one connection: one request, then the connection closes (an event stream stays
/// open until the page goes away).
pub(super) fn handle(
    mut stream: TcpStream,
    live: &Arc<Live>,
    streams: &Arc<AtomicUsize>,
    hosts: &http::HostCheck,
) {
    let req = match http::read_request(&mut stream) {
        Ok(r) => r,
        Err(http::BadRequest::Gone) => return,
        Err(http::BadRequest::Answer(status, text)) => {
            let _ = http::respond(&mut stream, status, &PLAIN, text.as_bytes(), false);
            http::drain(&mut stream);
            return;
        }
    };
    if !hosts.allows(req.host.as_deref()) {
        let text = "403 Forbidden: this server answers only requests for localhost or its own address (start it with --bind to serve other names)\n";
        let _ = http::respond(&mut stream, 403, &PLAIN, text.as_bytes(), false);
        return;
    }
    let state = live.state();
    match route(live, &state, &req.method, &req.target) {
        Route::Reply(reply) => {
            let headers: Vec<(&str, &str)> = reply
                .headers
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .chain([
                    ("Cache-Control", "no-store"),
                    ("X-Content-Type-Options", "nosniff"),
                ])
                .collect();
            // A client that went away mid-response is not an error worth reporting.
            let head_only = req.method == "HEAD";
            let _ = http::respond(
                &mut stream,
                reply.status,
                &headers,
                &reply.body.0,
                head_only,
            );
        }
        Route::Events => {
            if streams.fetch_add(1, Ordering::SeqCst) >= MAX_STREAMS {
                streams.fetch_sub(1, Ordering::SeqCst);
                let _ = http::respond(&mut stream, 503, &PLAIN, b"too many open pages\n", false);
                return;
            }
            let _ = stream.set_write_timeout(Some(KEEPALIVE));
            stream_events(Box::new(stream), live, state.version);
            streams.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

const PLAIN: [(&str, &str); 1] = [("Content-Type", "text/plain; charset=utf-8")];

/// Sends `hello` with the current tag, then a `reload` for every change, until the client
/// goes away.
fn stream_events(mut w: Box<dyn Write + Send>, live: &Live, mut seen: u64) {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\n\r\nretry: 500\nevent: hello\ndata: {}\n\n",
        live.tag(seen)
    );
    if w.write_all(head.as_bytes())
        .and_then(|()| w.flush())
        .is_err()
    {
        return;
    }
    loop {
        let state = live.wait_newer(seen, KEEPALIVE);
        let msg = if state.version > seen {
            let m = reload_event(live, &state, seen);
            seen = state.version;
            m
        } else {
            ": keep-alive\n\n".to_string()
        };
        if w.write_all(msg.as_bytes())
            .and_then(|()| w.flush())
            .is_err()
        {
            return;
        }
    }
}
