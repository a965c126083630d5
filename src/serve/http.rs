//! The HTTP/1.1 plumbing of `lede serve`: accepting connections within limits, reading a
//! request head within limits, and writing a response. What to answer is `serve.rs`'s job.
//!
//! A local preview server must survive whatever a browser, a script or a hostile page throws
//! at it, so every resource is bounded:
//! - at most [`MAX_CONNECTIONS`] connections are open; more wait in the kernel's backlog
//!   (they are slow, never dropped by lede);
//! - when the process runs out of file handles, `accept` is retried every
//!   [`EXHAUSTED_RETRY`] instead of giving up: connections wait, and serving resumes as soon
//!   as handles are free. This is said once on stderr, and once again when it is over;
//! - a request head is at most [`MAX_HEAD`] bytes and [`MAX_HEADERS`] headers (431 beyond),
//!   and must arrive within [`READ_TIMEOUT`];
//! - the `Host` header must name this server (see [`HostCheck`]), so a web page elsewhere
//!   cannot read the site through DNS rebinding.
//!
//! Every response closes its connection: a preview server gains nothing from keep-alive,
//! and a connection that ends with its response cannot pile up.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Open connections at most (event streams included).
pub const MAX_CONNECTIONS: usize = 512;
/// Bytes of a request head (request line and headers) at most.
pub const MAX_HEAD: usize = 16 * 1024;
/// Headers in a request at most.
pub const MAX_HEADERS: usize = 64;
/// A request head must arrive within this.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// A response write may block this long before the client is given up.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// How often `accept` is retried while the process has no free file handle.
pub const EXHAUSTED_RETRY: Duration = Duration::from_millis(50);

/// A request head, parsed.
#[derive(Debug)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub host: Option<String>,
}

/// Why a request head was not read.
#[derive(Debug)]
pub enum BadRequest {
    /// The client went away, or was too slow: nothing is answered.
    Gone,
    /// Answer with this status and text, then close.
    Answer(u16, &'static str),
}

/// Which `Host` headers are this server's: loopback names and the bound address when it
/// listens on loopback; any when `--bind` opened it to a network (the user chose that).
#[derive(Debug, Clone)]
pub struct HostCheck {
    bind: IpAddr,
}

impl HostCheck {
    pub fn new(bind: IpAddr) -> HostCheck {
        HostCheck { bind }
    }

    pub fn allows(&self, host: Option<&str>) -> bool {
        if !self.bind.is_loopback() {
            return true;
        }
        let Some(host) = host else {
            return false; // HTTP/1.1 requires it; a browser always sends it
        };
        let name = strip_port(host.trim()).to_ascii_lowercase();
        if name == "localhost" || name.ends_with(".localhost") {
            return true;
        }
        let bare = name.trim_start_matches('[').trim_end_matches(']');
        bare.parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip == self.bind)
    }
}

/// `host:port` → `host`; `[::1]:80` → `[::1]`; a bare IPv6 address is left whole.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |i| &host[..=i]);
    }
    match host.rsplit_once(':') {
        Some((h, port)) if !h.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// Reads one request head from `stream`, within the limits above.
pub fn read_request(stream: &mut TcpStream) -> Result<Request, BadRequest> {
    stream
        .set_read_timeout(Some(READ_TIMEOUT))
        .map_err(|_| BadRequest::Gone)?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let n = match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return Err(BadRequest::Gone),
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf) {
            Ok(httparse::Status::Complete(len)) if len <= MAX_HEAD => {
                let host = req
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("host"))
                    .map(|h| String::from_utf8_lossy(h.value).into_owned());
                return Ok(Request {
                    method: req.method.unwrap_or("").to_string(),
                    target: req.path.unwrap_or("").to_string(),
                    host,
                });
            }
            Ok(httparse::Status::Partial) if buf.len() <= MAX_HEAD => {}
            Ok(_) | Err(httparse::Error::TooManyHeaders) => {
                return Err(BadRequest::Answer(
                    431,
                    "431 Request Header Fields Too Large\n",
                ));
            }
            Err(_) => return Err(BadRequest::Answer(400, "400 Bad Request\n")),
        }
    }
}

/// Writes a whole response and closes the connection (`body` is left out for HEAD).
pub fn respond(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
    head_only: bool,
) -> io::Result<()> {
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()?;
    let _ = stream.shutdown(std::net::Shutdown::Write);
    Ok(())
}

/// Reads and drops what the client still sends (at most 4 MiB, for at most a second), so
/// that closing a connection with unread input does not reset it before the client has read
/// the answer (a 431 sent while a huge head is still arriving).
pub fn drain(stream: &mut TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut buf = [0u8; 16 * 1024];
    let mut left = 4 * 1024 * 1024usize;
    let deadline = std::time::Instant::now() + Duration::from_secs(1);
    while left > 0 && std::time::Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Counts open connections and makes the accept loop wait while there are too many.
#[derive(Default)]
struct Slots {
    open: Mutex<usize>,
    freed: Condvar,
}

impl Slots {
    fn take(&self, stop: &AtomicBool) -> bool {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        while *open >= MAX_CONNECTIONS {
            if stop.load(Ordering::SeqCst) {
                return false;
            }
            open = self
                .freed
                .wait_timeout(open, Duration::from_millis(200))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        *open += 1;
        true
    }

    fn give_back(&self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        *open = open.saturating_sub(1);
        self.freed.notify_one();
    }
}

/// A listening server: one accept thread, one thread per open connection (at most
/// [`MAX_CONNECTIONS`]). Dropping it stops accepting.
pub struct Listener {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    /// Serves every connection on `listener` with `handle`, on a thread of its own.
    pub fn spawn<H>(listener: TcpListener, handle: H) -> io::Result<Listener>
    where
        H: Fn(TcpStream) + Send + Sync + 'static,
    {
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("lede-accept".into())
            .spawn(move || accept_loop(&listener, &flag, Arc::new(handle)))?;
        Ok(Listener {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    /// Blocks until the server stops.
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocked `accept`.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn out_of_handles(e: &io::Error) -> bool {
    // EMFILE, ENFILE, ENOBUFS, ENOMEM: the process or system is out of something that frees
    // up again; anything else (a client that reset before accept) concerns one connection.
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    ) || e.kind() == io::ErrorKind::OutOfMemory
}

/// What the server says about running out of handles: once when it starts, once when serving
/// resumes. Under load the limit is often hit again right after a handle frees; such a
/// relapse within [`NOTICE_QUIET`] of the last notice is not announced again, so one
/// episode reads as one pair of lines.
#[derive(Default)]
struct Notices {
    exhausted: bool,
    announced: bool,
    last: Option<std::time::Instant>,
}

const NOTICE_QUIET: Duration = Duration::from_secs(10);

impl Notices {
    fn exhausted(&mut self, e: &io::Error) {
        if self.exhausted {
            return;
        }
        self.exhausted = true;
        self.announced = self.last.is_none_or(|t| t.elapsed() >= NOTICE_QUIET);
        if self.announced {
            eprintln!(
                "lede serve: out of file handles ({e}); new connections wait until some close (raise the limit with `ulimit -n`)"
            );
            self.last = Some(std::time::Instant::now());
        }
    }

    fn accepted(&mut self) {
        if self.exhausted && self.announced {
            eprintln!("lede serve: file handles are free again; serving resumed");
            self.last = Some(std::time::Instant::now());
        }
        self.exhausted = false;
    }
}

fn accept_loop<H>(listener: &TcpListener, stop: &AtomicBool, handle: Arc<H>)
where
    H: Fn(TcpStream) + Send + Sync + 'static,
{
    let slots = Arc::new(Slots::default());
    let mut notices = Notices::default();
    while !stop.load(Ordering::SeqCst) {
        if !slots.take(stop) {
            return;
        }
        let stream = match listener.accept() {
            Ok((s, _)) => s,
            Err(e) => {
                slots.give_back();
                if out_of_handles(&e) {
                    notices.exhausted(&e);
                    std::thread::sleep(EXHAUSTED_RETRY);
                }
                continue;
            }
        };
        notices.accepted();
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let slots_for_conn = Arc::clone(&slots);
        let handle = Arc::clone(&handle);
        let spawned = std::thread::Builder::new()
            .name("lede-conn".into())
            .stack_size(256 * 1024)
            .spawn(move || {
                // A panic answering one request must not leak its slot.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handle(stream)));
                slots_for_conn.give_back();
            });
        if spawned.is_err() {
            // No thread to spare: the connection was moved into the failed closure and is
            // closed with it, which the client sees as refused.
            slots.give_back();
            std::thread::sleep(EXHAUSTED_RETRY);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn only_loopback_hosts_when_bound_to_loopback() {
        let local = HostCheck::new(IpAddr::V4(Ipv4Addr::LOCALHOST));
        for ok in [
            "127.0.0.1:1111",
            "localhost",
            "LOCALHOST:80",
            "app.localhost:1111",
            "[::1]:1111",
            "127.0.0.2",
        ] {
            assert!(local.allows(Some(ok)), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:1111",
            "192.168.1.5",
            "",
            "localhost.evil",
        ] {
            assert!(!local.allows(Some(bad)), "{bad}");
        }
        assert!(!local.allows(None));
        let open = HostCheck::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        assert!(open.allows(Some("my-laptop.lan:1111")));
    }
}
