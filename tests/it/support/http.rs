//! A small HTTP/1.1 server for test fixtures, on std networking only:
//! listeners with one thread per connection, request parsing (keep-alive,
//! pipelining, chunked bodies), response writing, injected faults, a log of
//! every request, and helpers every fixture needs (percent-coding, query
//! strings, byte ranges). A fixture supplies one [`Handler`] that turns a
//! parsed request into a [`Resp`]; see `hub.rs` for the Hub built on it.
//! The wire format (parsing and writing) is in `http/wire.rs`.

use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::{json, Value};

use wire::{linger, read_request, write_response, ReadOutcome};

mod wire;

// ---------------------------------------------------------------------------
// Public control types: the request log and faults
// ---------------------------------------------------------------------------

/// One request received by one of the server's listeners.
#[derive(Clone, Debug)]
pub struct Request {
    /// The listener's name, e.g. `"hub"` or `"cdn"`.
    pub server: &'static str,
    pub method: String,
    /// The request target as received: raw (percent-encoded) path plus query.
    pub path: String,
    /// Header names are lower-case; values as received.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Debug)]
pub struct Fault {
    /// Matched against the raw request target (path + query) with `starts_with`,
    /// on every listener (hub paths look like `/api/...`, `/{repo}/resolve/...`
    /// or `/v2/...`, CDN paths like `/lfs/...` or `/ollama/...`).
    pub path_prefix: String,
    pub kind: FaultKind,
    /// How many matching requests the fault applies to.
    pub times: usize,
}

impl Fault {
    /// A fault applied to the next matching request only.
    pub fn once(path_prefix: &str, kind: FaultKind) -> Fault {
        Fault {
            path_prefix: path_prefix.to_owned(),
            kind,
            times: 1,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer this status with the body `{}`.
    Status(u16),
    /// Same, with `Retry-After: <secs>`.
    StatusWithRetryAfter(u16, u64),
    /// Close the socket without answering.
    DropConnection,
    /// Sleep this long, then answer normally.
    Slow(Duration),
    /// Send the real headers (full `Content-Length`) but only half of the body, then close.
    TruncateBody,
    /// Answer this instead of the real response: a crafted listing, a
    /// malformed manifest, a looping `Link` header.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Send the real headers, then nothing for this long, then the body
    /// (a server that stalls after the headers).
    StallBody(Duration),
    /// Send the real headers, then the body one byte at a time, this long
    /// apart.
    Trickle(Duration),
}

/// How a response is paced on the wire.
#[derive(Clone, Copy, Debug)]
pub enum Pace {
    Stall(Duration),
    Trickle(Duration),
}

// ---------------------------------------------------------------------------
// Requests and responses as handlers see them
// ---------------------------------------------------------------------------

/// A parsed request.
pub struct HttpRequest {
    pub method: String,
    /// Raw path plus query, as logged.
    pub target: String,
    /// Raw path (before `?`).
    pub path: String,
    /// Raw query (after `?`, may be empty).
    pub query: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub keep_alive: bool,
}

impl HttpRequest {
    /// First header with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A response. `Content-Length`, `X-Request-Id` and `Connection` are added
/// when writing unless the handler set them.
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// A body that is a range of shared bytes (a large file), sent
    /// without a copy; it takes the place of `body`.
    pub shared: Option<(Arc<Vec<u8>>, std::ops::Range<usize>)>,
}

impl Resp {
    pub fn new(status: u16) -> Resp {
        Resp {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            shared: None,
        }
    }

    /// The bytes of the body.
    pub fn bytes(&self) -> &[u8] {
        match &self.shared {
            Some((data, range)) => &data[range.clone()],
            None => &self.body,
        }
    }

    pub fn json(status: u16, v: &Value) -> Resp {
        Resp::new(status)
            .header("Content-Type", "application/json; charset=utf-8")
            .body(v.to_string().into_bytes())
    }

    pub fn header(mut self, k: &str, v: impl Into<String>) -> Resp {
        self.headers.push((k.to_owned(), v.into()));
        self
    }

    pub fn body(mut self, b: Vec<u8>) -> Resp {
        self.body = b;
        self
    }
}

/// Turns a request on the named listener into a response. Runs on the
/// connection's thread; a panic becomes a 500.
pub type Handler = Arc<dyn Fn(&'static str, &HttpRequest) -> Resp + Send + Sync>;

// ---------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------

struct Control {
    latency: Duration,
    faults: Vec<Fault>,
    log: Vec<Request>,
}

struct Core {
    control: Mutex<Control>,
    stop: AtomicBool,
    counter: AtomicU64,
    handler: Handler,
}

impl Core {
    fn control(&self) -> MutexGuard<'_, Control> {
        self.control.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// Named listeners sharing one handler, one fault queue and one request log.
/// Dropping it stops every listener; idle keep-alive connections close
/// within about 100 ms.
pub struct Server {
    core: Arc<Core>,
    addrs: Vec<SocketAddr>,
    threads: Vec<JoinHandle<()>>,
}

impl Server {
    pub fn start(listeners: Vec<(&'static str, TcpListener)>, handler: Handler) -> Server {
        let core = Arc::new(Core {
            control: Mutex::new(Control {
                latency: Duration::ZERO,
                faults: Vec::new(),
                log: Vec::new(),
            }),
            stop: AtomicBool::new(false),
            counter: AtomicU64::new(0),
            handler,
        });
        let mut addrs = Vec::new();
        let mut threads = Vec::new();
        for (name, listener) in listeners {
            addrs.push(listener.local_addr().expect("fixture server: local_addr"));
            threads.push(spawn_acceptor(core.clone(), listener, name));
        }
        Server {
            core,
            addrs,
            threads,
        }
    }

    /// Delay added before every response, on every listener.
    pub fn set_latency(&self, d: Duration) {
        self.core.control().latency = d;
    }

    /// Queues a fault; faults are matched in the order they were injected.
    pub fn inject(&self, fault: Fault) {
        if fault.times > 0 {
            self.core.control().faults.push(fault);
        }
    }

    /// How many injected faults are still waiting for a request.
    pub fn faults_pending(&self) -> usize {
        self.core.control().faults.len()
    }

    /// Every request received, in order of arrival.
    pub fn requests(&self) -> Vec<Request> {
        self.core.control().log.clone()
    }

    pub fn clear_requests(&self) {
        self.core.control().log.clear();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.core.stop.store(true, Ordering::SeqCst);
        for addr in &self.addrs {
            let _ = TcpStream::connect_timeout(addr, Duration::from_secs(1));
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn spawn_acceptor(core: Arc<Core>, listener: TcpListener, server: &'static str) -> JoinHandle<()> {
    thread::spawn(move || {
        for conn in listener.incoming() {
            if core.stopped() {
                break;
            }
            let Ok(stream) = conn else {
                thread::sleep(Duration::from_millis(10));
                continue;
            };
            let core = core.clone();
            let _ = thread::Builder::new()
                .name(format!("fixture-{server}-conn"))
                .spawn(move || serve_connection(&core, server, stream));
        }
    })
}

fn serve_connection(core: &Core, server: &'static str, mut stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
    let mut buf: Vec<u8> = Vec::new();
    loop {
        if core.stopped() {
            break;
        }
        match read_request(core, &mut stream, &mut buf) {
            ReadOutcome::Closed => break,
            ReadOutcome::Bad(msg) => {
                let resp = Resp::json(400, &json!({ "error": msg }))
                    .header("X-Error-Message", msg)
                    .header("Connection", "close");
                let _ = write_response(core, &mut stream, "GET", resp, false, None);
                linger(&mut stream);
                break;
            }
            ReadOutcome::Request(req) => {
                if !handle(core, server, &mut stream, req) {
                    break;
                }
            }
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// Logs the request, applies latency and the first matching fault, routes
/// it, and writes the answer. Returns whether to keep the connection open.
fn handle(core: &Core, server: &'static str, stream: &mut TcpStream, req: HttpRequest) -> bool {
    let (latency, fault) = {
        let mut ctl = core.control();
        ctl.log.push(Request {
            server,
            method: req.method.clone(),
            path: req.target.clone(),
            headers: req.headers.clone(),
        });
        let fault = match ctl
            .faults
            .iter()
            .position(|f| req.target.starts_with(&f.path_prefix))
        {
            Some(i) => {
                let f = &mut ctl.faults[i];
                f.times -= 1;
                let kind = f.kind.clone();
                if f.times == 0 {
                    ctl.faults.remove(i);
                }
                Some(kind)
            }
            None => None,
        };
        (ctl.latency, fault)
    };
    if !latency.is_zero() {
        thread::sleep(latency);
    }
    let mut truncate = false;
    let mut pace = None;
    let resp = match fault {
        Some(FaultKind::DropConnection) => {
            let _ = stream.shutdown(Shutdown::Both);
            return false;
        }
        Some(FaultKind::Status(code)) => Some(Resp::json(code, &json!({}))),
        Some(FaultKind::StatusWithRetryAfter(code, secs)) => {
            Some(Resp::json(code, &json!({})).header("Retry-After", secs.to_string()))
        }
        Some(FaultKind::Slow(d)) => {
            thread::sleep(d);
            None
        }
        Some(FaultKind::TruncateBody) => {
            truncate = true;
            None
        }
        Some(FaultKind::Respond {
            status,
            headers,
            body,
        }) => {
            let mut r = Resp::new(status).body(body);
            for (k, v) in headers {
                r = r.header(&k, v);
            }
            Some(r)
        }
        Some(FaultKind::StallBody(d)) => {
            pace = Some(Pace::Stall(d));
            None
        }
        Some(FaultKind::Trickle(d)) => {
            pace = Some(Pace::Trickle(d));
            None
        }
        None => None,
    };
    let resp = resp.unwrap_or_else(|| {
        // A panic in a handler must never take the server down: answer 500.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            (core.handler)(server, &req)
        }))
        .unwrap_or_else(|_| Resp::json(500, &json!({"error": "fixture server: internal error"})))
    });
    let mut keep = req.keep_alive && !truncate;
    if resp
        .headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("connection") && v == "close")
    {
        keep = false;
    }
    let resp = if keep {
        resp
    } else {
        resp.header("Connection", "close")
    };
    let ok = write_response(core, stream, &req.method, resp, truncate, pace).is_ok();
    ok && keep
}

// ---------------------------------------------------------------------------
// Helpers for handlers: percent-coding, queries, byte ranges
// ---------------------------------------------------------------------------

pub fn pct_decode(s: &str, plus_is_space: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let h = b.get(i + 1..i + 3)?;
                let h = std::str::from_utf8(h).ok()?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes everything but RFC 3986 unreserved characters (and `/` if `keep_slash`).
pub fn pct_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decoded `key=value` pairs of a query string or form body, in order.
pub fn parse_query(q: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.push((pct_decode(k, true)?, pct_decode(v, true)?));
    }
    Some(out)
}

pub fn q_get<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

pub fn truthy(v: Option<&str>) -> bool {
    matches!(
        v.map(|s| s.to_ascii_lowercase()).as_deref(),
        Some("true" | "1" | "yes")
    )
}

pub fn method_not_allowed(allow: &str) -> Resp {
    Resp::json(405, &json!({"error": "Method not allowed"})).header("Allow", allow)
}

/// Parses a single `bytes=` range against `len`. None: no (usable) range,
/// serve the whole body. Some(Err(())): unsatisfiable.
fn parse_range(h: Option<&str>, len: usize) -> Option<Result<(usize, usize), ()>> {
    let spec = h?.trim().strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        let n: usize = b.parse().ok()?;
        if n == 0 || len == 0 {
            return Some(Err(()));
        }
        return Some(Ok((len.saturating_sub(n), len - 1)));
    }
    let start: usize = a.parse().ok()?;
    let end: usize = if b.is_empty() {
        usize::MAX
    } else {
        b.parse().ok()?
    };
    if end < start {
        return None;
    }
    if start >= len {
        return Some(Err(()));
    }
    Some(Ok((start, end.min(len - 1))))
}

/// 200 / 206 / 416 with the bytes of `content`, honouring `Range`.
pub fn serve_bytes(
    req: &HttpRequest,
    content: &Arc<Vec<u8>>,
    headers: Vec<(String, String)>,
) -> Resp {
    let len = content.len();
    let mut resp = match parse_range(req.header("range"), len) {
        None => Resp {
            shared: Some((content.clone(), 0..len)),
            ..Resp::new(200)
        },
        Some(Ok((a, b))) => Resp {
            shared: Some((content.clone(), a..b + 1)),
            ..Resp::new(206).header("Content-Range", format!("bytes {a}-{b}/{len}"))
        },
        Some(Err(())) => {
            return Resp::json(416, &json!({"error": "Requested range not satisfiable"}))
                .header("Content-Range", format!("bytes */{len}"))
        }
    };
    resp.headers.extend(headers);
    resp.header("Accept-Ranges", "bytes")
        .header("Content-Type", "application/octet-stream")
}

/// Whether `If-None-Match` names `etag` (quoted or not, weak or strong).
pub fn if_none_match(req: &HttpRequest, etag: &str) -> bool {
    req.header("if-none-match").is_some_and(|v| {
        v.split(',')
            .any(|t| t.trim().trim_start_matches("W/").trim_matches('"') == etag)
    })
}
