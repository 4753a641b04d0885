//! HTTP/1.1 on the wire: reading one request from a connection (stray
//! CRLFs, absolute-form targets, `Content-Length` and chunked bodies, size
//! limits) and writing one response (`Content-Length`, `X-Request-Id` and
//! `Connection` added when missing; optionally cut short for faults).

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{Core, HttpRequest, Resp};

const MAX_HEADER_BYTES: usize = 64 * 1024;
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub(super) enum ReadOutcome {
    Request(HttpRequest),
    Closed,
    Bad(&'static str),
}

/// Half-closes and discards what the client still sends (briefly), so that
/// closing with unread input does not reset the connection before the client
/// has read our response.
pub(super) fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + Duration::from_millis(500);
    let mut tmp = [0u8; 16 * 1024];
    let mut total = 0usize;
    while Instant::now() < deadline && total < 4 * MAX_BODY_BYTES {
        match stream.read(&mut tmp) {
            Ok(0) => break,
            Ok(n) => total += n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
}

fn find_header_end(buf: &[u8]) -> Option<(usize, usize)> {
    // (end of header text, start of body)
    for i in 0..buf.len() {
        if buf[i..].starts_with(b"\r\n\r\n") {
            return Some((i, i + 4));
        }
        if buf[i..].starts_with(b"\n\n") {
            return Some((i, i + 2));
        }
    }
    None
}

/// Reads more bytes into `buf`. Ok(false) on EOF; Err(()) on stop/timeout/error.
fn fill(
    core: &Core,
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    started: Instant,
    idle: bool,
) -> Result<bool, ()> {
    let mut tmp = [0u8; 16 * 1024];
    loop {
        if core.stopped() {
            return Err(());
        }
        match stream.read(&mut tmp) {
            Ok(0) => return Ok(false),
            Ok(n) => {
                buf.extend_from_slice(&tmp[..n]);
                return Ok(true);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                let limit = if idle { IDLE_TIMEOUT } else { REQUEST_TIMEOUT };
                if started.elapsed() > limit {
                    return Err(());
                }
            }
            Err(_) => return Err(()),
        }
    }
}

pub(super) fn read_request(core: &Core, stream: &mut TcpStream, buf: &mut Vec<u8>) -> ReadOutcome {
    let started = Instant::now();
    // Skip stray CRLFs between requests (RFC 9112 §2.2).
    let (head_end, body_start) = loop {
        while buf.first().is_some_and(|b| *b == b'\r' || *b == b'\n') {
            buf.remove(0);
        }
        if let Some(pos) = find_header_end(buf) {
            break pos;
        }
        if buf.len() > MAX_HEADER_BYTES {
            return ReadOutcome::Bad("Request header too large");
        }
        match fill(core, stream, buf, started, buf.is_empty()) {
            Ok(true) => {}
            Ok(false) | Err(()) => return ReadOutcome::Closed,
        }
    };
    if head_end > MAX_HEADER_BYTES {
        return ReadOutcome::Bad("Request header too large");
    }
    let Ok(head) = std::str::from_utf8(&buf[..head_end]) else {
        return ReadOutcome::Bad("Request header is not UTF-8");
    };
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().unwrap_or("");
    let parts: Vec<&str> = request_line.split(' ').collect();
    if parts.len() != 3 {
        return ReadOutcome::Bad("Malformed request line");
    }
    let (method, target, version) = (parts[0], parts[1], parts[2]);
    if method.is_empty()
        || !method
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'_')
    {
        return ReadOutcome::Bad("Malformed method");
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return ReadOutcome::Bad("Unsupported HTTP version");
    }
    // Absolute-form targets: keep only path + query.
    let target = match target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
    {
        Some(rest) => match rest.find('/') {
            Some(i) => rest[i..].to_owned(),
            None => "/".to_owned(),
        },
        None => target.to_owned(),
    };
    if !target.starts_with('/') || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return ReadOutcome::Bad("Malformed request target");
    }
    let mut headers = Vec::new();
    for line in lines {
        let Some((k, v)) = line.split_once(':') else {
            return ReadOutcome::Bad("Malformed header line");
        };
        if k.is_empty() || k.bytes().any(|b| b <= b' ' || b >= 0x7f) {
            return ReadOutcome::Bad("Malformed header name");
        }
        headers.push((k.to_ascii_lowercase(), v.trim().to_owned()));
    }
    let get = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
    };
    let connection = get("connection").unwrap_or("").to_ascii_lowercase();
    let keep_alive = if version == "HTTP/1.0" {
        connection.contains("keep-alive")
    } else {
        !connection.contains("close")
    };
    let chunked =
        get("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let content_length = match get("content-length") {
        None => 0,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n <= MAX_BODY_BYTES => n,
            Ok(_) => return ReadOutcome::Bad("Request body too large"),
            Err(_) => return ReadOutcome::Bad("Malformed Content-Length"),
        },
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target.clone(), String::new()),
    };
    let method = method.to_owned();
    buf.drain(..body_start);
    let body = if chunked {
        loop {
            match parse_chunked(buf) {
                Ok(Some((body, used))) => {
                    buf.drain(..used);
                    break body;
                }
                Ok(None) => {
                    if buf.len() > MAX_BODY_BYTES + MAX_HEADER_BYTES {
                        return ReadOutcome::Bad("Request body too large");
                    }
                    match fill(core, stream, buf, started, false) {
                        Ok(true) => {}
                        _ => return ReadOutcome::Closed,
                    }
                }
                Err(msg) => return ReadOutcome::Bad(msg),
            }
        }
    } else {
        while buf.len() < content_length {
            match fill(core, stream, buf, started, false) {
                Ok(true) => {}
                _ => return ReadOutcome::Closed,
            }
        }
        buf.drain(..content_length).collect()
    };
    ReadOutcome::Request(HttpRequest {
        method,
        target,
        path,
        query,
        headers,
        body,
        keep_alive,
    })
}

/// Ok(None): incomplete. Ok(Some((body, bytes consumed))).
fn parse_chunked(buf: &[u8]) -> Result<Option<(Vec<u8>, usize)>, &'static str> {
    let mut pos = 0;
    let mut body = Vec::new();
    loop {
        let Some(nl) = buf[pos..].iter().position(|b| *b == b'\n') else {
            return Ok(None);
        };
        let line = std::str::from_utf8(&buf[pos..pos + nl]).map_err(|_| "Malformed chunk")?;
        let size_text = line
            .trim_end_matches('\r')
            .split(';')
            .next()
            .unwrap_or("")
            .trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| "Malformed chunk size")?;
        if size > MAX_BODY_BYTES || body.len() + size > MAX_BODY_BYTES {
            return Err("Request body too large");
        }
        pos += nl + 1;
        if size == 0 {
            // trailers until an empty line
            loop {
                let Some(nl) = buf[pos..].iter().position(|b| *b == b'\n') else {
                    return Ok(None);
                };
                let empty = buf[pos..pos + nl].iter().all(|b| *b == b'\r');
                pos += nl + 1;
                if empty {
                    return Ok(Some((body, pos)));
                }
            }
        }
        if buf.len() < pos + size {
            return Ok(None);
        }
        body.extend_from_slice(&buf[pos..pos + size]);
        pos += size;
        // CRLF after the data
        if buf.len() < pos + 1 {
            return Ok(None);
        }
        if buf[pos] == b'\r' {
            if buf.len() < pos + 2 {
                return Ok(None);
            }
            pos += 1;
        }
        if buf[pos] != b'\n' {
            return Err("Malformed chunk terminator");
        }
        pos += 1;
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// Writes a response. With `truncate`, sends only half of the body (and the
/// caller closes the connection).
pub(super) fn write_response(
    core: &Core,
    stream: &mut TcpStream,
    method: &str,
    resp: Resp,
    truncate: bool,
    pace: Option<super::Pace>,
) -> io::Result<()> {
    let n = core.counter.fetch_add(1, Ordering::SeqCst);
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    let has = |name: &str| {
        resp.headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(name))
    };
    let no_body = method == "HEAD" || resp.status == 304 || resp.status == 204;
    if !has("content-length") && resp.status != 304 && resp.status != 204 {
        head.push_str(&format!("Content-Length: {}\r\n", resp.bytes().len()));
    }
    if !has("x-request-id") {
        head.push_str(&format!("X-Request-Id: Root=1-66f00000-{n:024x}\r\n"));
    }
    if !has("connection") {
        head.push_str("Connection: keep-alive\r\n");
    }
    for (k, v) in &resp.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    match pace {
        Some(super::Pace::Stall(d)) => {
            // the headers now, the body after the stall (a client without
            // a deadline waits for it)
            stream.write_all(head.as_bytes())?;
            stream.flush()?;
            std::thread::sleep(d);
            head.clear();
        }
        Some(super::Pace::Trickle(d)) if !no_body => {
            // the headers now, then one byte of the body at a time
            stream.write_all(head.as_bytes())?;
            stream.flush()?;
            for b in resp.bytes() {
                std::thread::sleep(d);
                stream.write_all(&[*b])?;
                stream.flush()?;
            }
            return Ok(());
        }
        _ => {}
    }
    let body = resp.bytes();
    let len = match (no_body, truncate) {
        (true, _) => 0,
        (false, true) => body.len() / 2,
        (false, false) => body.len(),
    };
    if len <= 64 << 10 {
        // small answers in one write (one packet, as servers send them)
        let mut out = head.into_bytes();
        out.extend_from_slice(&body[..len]);
        stream.write_all(&out)?;
    } else {
        stream.write_all(head.as_bytes())?;
        stream.write_all(&body[..len])?;
    }
    stream.flush()
}
