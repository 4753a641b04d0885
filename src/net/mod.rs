//! HTTP for the sources: one ureq agent with timeouts, bounded retries with
//! exponential backoff (honouring `Retry-After`), size-capped bodies read as
//! bytes, and redirects followed by hand so that a token is sent only to the
//! host it belongs to — never along a redirect to a CDN.

mod stream;

use crate::env::Token;
use std::fmt;
use std::io::Read;
use std::time::{Duration, Instant};
pub use stream::{Probe, Stream};

/// How long a request may take, and how slow its body may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The deadline of a whole request, retries and redirects included
    /// (`MODELLOCK_HTTP_TIMEOUT`, seconds; default 300).
    pub deadline: Duration,
    /// The longest wait for any data (`MODELLOCK_HTTP_STALL`, seconds;
    /// default 30); a body must also bring at least [`Limits::MIN_BYTES`]
    /// in every such window.
    pub stall: Duration,
}

impl Limits {
    /// The least a body must bring in each stall window (1 KiB).
    pub const MIN_BYTES: u64 = 1024;

    /// From `MODELLOCK_HTTP_TIMEOUT` and `MODELLOCK_HTTP_STALL` (whole
    /// seconds, at least 1); an unset or unreadable value is the default.
    pub fn from_env() -> Limits {
        let secs = |name: &str, default: u64| {
            let v = std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok());
            Duration::from_secs(v.filter(|s| *s >= 1).unwrap_or(default))
        };
        Limits {
            deadline: secs("MODELLOCK_HTTP_TIMEOUT", 300),
            stall: secs("MODELLOCK_HTTP_STALL", 30),
        }
    }
}

/// What went wrong on the wire, after retries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetError {
    /// DNS, refused or reset connection.
    Connect {
        url: String,
        detail: String,
    },
    /// No answer, a stalled or too slow body, or the request's deadline.
    Timeout {
        url: String,
        why: String,
    },
    Tls {
        url: String,
        detail: String,
    },
    /// The connection broke mid-response, or the body was cut short.
    Io {
        url: String,
        detail: String,
    },
    TooLarge {
        url: String,
        limit: u64,
    },
    TooManyRedirects {
        url: String,
    },
    /// 5xx or 429 that did not go away with retries.
    Server {
        url: String,
        status: u16,
        retry_after: Option<u64>,
    },
}

impl NetError {
    fn retryable(&self) -> bool {
        matches!(
            self,
            NetError::Connect { .. } | NetError::Timeout { .. } | NetError::Io { .. }
        )
    }
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // a URL is shown without the credentials it may carry
        match self {
            NetError::Connect { url, detail } => {
                write!(
                    f,
                    "cannot connect to {}: {detail} ({})",
                    host_of(url),
                    redact(url)
                )
            }
            NetError::Timeout { url, why } => write!(f, "{} timed out: {why}", redact(url)),
            NetError::Tls { url, detail } => write!(f, "TLS failed for {}: {detail}", redact(url)),
            NetError::Io { url, detail } => {
                write!(
                    f,
                    "the connection broke while reading {}: {detail}",
                    redact(url)
                )
            }
            NetError::TooLarge { url, limit } => {
                write!(f, "{} is larger than {limit} bytes", redact(url))
            }
            NetError::TooManyRedirects { url } => {
                write!(f, "too many redirects from {}", redact(url))
            }
            NetError::Server {
                url,
                status,
                retry_after: Some(s),
            } => {
                write!(f, "{} answered {status} (retry after {s} s)", redact(url))
            }
            NetError::Server { url, status, .. } => write!(f, "{} answered {status}", redact(url)),
        }
    }
}

/// A URL without its userinfo (`http://user:secret@host` → `http://host`).
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Ok(_) => url.to_owned(),
        // not a URL: show nothing that could be a credential
        Err(_) => match url.rsplit_once('@') {
            Some((_, rest)) => format!("…@{rest}"),
            None => url.to_owned(),
        },
    }
}

/// A response with its body read.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The URL that answered (after redirects).
    pub url: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The client. Cheap to share between threads.
#[derive(Clone)]
pub struct Http {
    agent: ureq::Agent,
    /// The token and the `scheme://host:port` it may be sent to.
    auth: Option<(Token, String)>,
    retries: u32,
    backoff: Duration,
    max_retry_after: Duration,
    limits: Limits,
}

/// The origin of a URL (scheme, host, port — the default port made
/// explicit), as the WHATWG URL standard parses it, so that the token's
/// destination is decided by the same rules browsers and `huggingface_hub`
/// (httpx) follow: `https://h` and `https://h:443` are one origin;
/// `https://huggingface.co@evil.example/` is evil.example's.
pub fn origin(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let host = u.host_str()?;
    let port = u.port_or_known_default()?;
    Some(format!("{}://{host}:{port}", u.scheme()))
}

/// Resolves a `Location` against the URL that sent it (relative,
/// absolute-path and protocol-relative references, as a browser does).
fn resolve_location(base: &str, location: &str) -> Option<String> {
    let base = url::Url::parse(base).ok()?;
    base.join(location.trim()).ok().map(String::from)
}

const RETRY_STATUS: [u16; 6] = [408, 429, 500, 502, 503, 504];

impl Http {
    /// `auth`: the token and the base URL of the service it belongs to.
    pub fn new(auth: Option<(Token, &str)>) -> Http {
        let limits = Limits::from_env();
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(format!("modellock/{}", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(Duration::from_secs(10)))
            // a server that stops sending: no read waits longer than this
            .timeout_per_read(Some(limits.stall))
            // a fetch reuses its connections to the CDN for every range
            // (a new one each time would cost a TLS handshake a chunk)
            .max_idle_connections(64)
            .max_idle_connections_per_host(32)
            .build();
        Http {
            limits,
            agent: ureq::Agent::new_with_config(config),
            auth: auth.and_then(|(t, base)| origin(base).map(|o| (t, o))),
            retries: 3,
            backoff: Duration::from_millis(250),
            max_retry_after: Duration::from_secs(30),
        }
    }

    /// Shorter waits between retries (tests).
    pub fn with_backoff(mut self, backoff: Duration) -> Http {
        self.backoff = backoff;
        self
    }

    /// GET, following redirects, retrying transient failures; the body is
    /// read up to `limit` bytes (more is an error).
    pub fn get(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        limit: u64,
    ) -> Result<Response, NetError> {
        self.retrying(
            |deadline| self.get_once(url, headers, limit, deadline),
            |r| {
                let retry_after = r.header("retry-after").map(str::to_owned);
                (r.status, retry_after, r.url.clone())
            },
        )
    }

    fn get_once(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        limit: u64,
        deadline: Instant,
    ) -> Result<Response, NetError> {
        let sent = self.send("GET", url, headers, Follow::All, Some(deadline))?;
        let Sent {
            status,
            headers,
            url: current,
            mut response,
            ..
        } = sent;
        let mut reader = response.body_mut().as_reader();
        let body = self.read_body(&mut reader, &current, limit, deadline)?;
        Ok(Response {
            status,
            headers,
            body,
            url: current,
        })
    }

    /// POSTs a JSON document (an Ollama server's `/api/show`, the Hub's
    /// `paths-info`): no redirect is followed; the token goes to its own
    /// origin only; the answer's body is read up to `limit` bytes.
    pub fn post_json(
        &self,
        url: &str,
        body: &serde_json::Value,
        limit: u64,
    ) -> Result<Response, NetError> {
        let deadline = Instant::now() + self.limits.deadline;
        let mut req = self
            .agent
            .post(url)
            .config()
            .timeout_global(Some(self.limits.deadline))
            .build()
            .header("content-type", "application/json");
        if let Some((token, allowed)) = &self.auth {
            if origin(url).as_deref() == Some(allowed.as_str()) {
                req = req.header("authorization", format!("Bearer {}", token.expose()));
            }
        }
        let mut response = req.send(body.to_string()).map_err(|e| map_error(url, e))?;
        let status = response.status().as_u16();
        let headers = header_list(response.headers());
        let mut reader = response.body_mut().as_reader();
        let body = self.read_body(&mut reader, url, limit, deadline)?;
        Ok(Response {
            status,
            headers,
            body,
            url: url.to_owned(),
        })
    }

    /// Sends a request and follows redirects as `follow` says, the token
    /// going only to its own origin; the body is left unread. With a
    /// deadline, no request runs past it.
    fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        follow: Follow,
        deadline: Option<Instant>,
    ) -> Result<Sent, NetError> {
        // the URL as the WHATWG parser reads it: the same string decides
        // where the token goes and is what is requested
        let mut current = url::Url::parse(url).map_or_else(|_| url.to_owned(), String::from);
        for _ in 0..10 {
            let left = match deadline {
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(self.past_deadline(&current));
                    }
                    Some(left)
                }
                None => None,
            };
            let mut req = ureq::http::Request::builder().method(method).uri(&current);
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            if let Some((token, allowed)) = &self.auth {
                if origin(&current).as_deref() == Some(allowed.as_str()) {
                    req = req.header("authorization", format!("Bearer {}", token.expose()));
                }
            }
            let req = req.body(()).map_err(|e| NetError::Io {
                url: current.clone(),
                detail: e.to_string(),
            })?;
            let req = self
                .agent
                .configure_request(req)
                .timeout_global(left)
                .build();
            let response = self.agent.run(req).map_err(|e| map_error(&current, e))?;
            let status = response.status().as_u16();
            let headers_vec = header_list(response.headers());
            let location = headers_vec
                .iter()
                .find(|(n, _)| n == "location")
                .map(|(_, l)| l.clone());
            if let (true, Some(loc)) = ((300..400).contains(&status), location) {
                let next =
                    resolve_location(&current, &loc).ok_or_else(|| NetError::TooManyRedirects {
                        url: current.clone(),
                    })?;
                if follow == Follow::All || origin(&next) == origin(&current) {
                    current = next;
                    continue;
                }
                return Ok(Sent {
                    status,
                    headers: headers_vec,
                    url: current,
                    location: Some(next),
                    response,
                });
            }
            return Ok(Sent {
                status,
                headers: headers_vec,
                url: current,
                location: None,
                response,
            });
        }
        Err(NetError::TooManyRedirects {
            url: url.to_owned(),
        })
    }
}

/// Which redirects [`Http::send`] follows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Follow {
    All,
    /// Only to the same origin; a redirect elsewhere is returned (a
    /// download's CDN location).
    SameOrigin,
}

/// A request sent, its body unread.
struct Sent {
    status: u16,
    headers: Vec<(String, String)>,
    /// The URL that answered.
    url: String,
    /// A redirect to another origin that was not followed.
    location: Option<String>,
    response: ureq::http::Response<ureq::Body>,
}

impl Http {
    /// Reads a body up to `limit` bytes, failing when it stalls, trickles
    /// (less than [`Limits::MIN_BYTES`] in a stall window) or runs past the
    /// deadline.
    fn read_body(
        &self,
        reader: &mut impl Read,
        url: &str,
        limit: u64,
        deadline: Instant,
    ) -> Result<Vec<u8>, NetError> {
        let mut body = Vec::new();
        let mut chunk = vec![0u8; 64 << 10];
        let mut window = (Instant::now(), 0u64);
        loop {
            let n = match reader.read(&mut chunk) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.read_error(url, e, deadline)),
            };
            if n == 0 {
                return Ok(body);
            }
            body.extend_from_slice(&chunk[..n]);
            if body.len() as u64 > limit {
                return Err(NetError::TooLarge {
                    url: url.to_owned(),
                    limit,
                });
            }
            let now = Instant::now();
            window.1 += n as u64;
            if now.duration_since(window.0) >= self.limits.stall {
                if window.1 < Limits::MIN_BYTES {
                    return Err(NetError::Timeout {
                        url: url.to_owned(),
                        why: format!(
                            "the body came slower than {} bytes in {} s",
                            Limits::MIN_BYTES,
                            self.limits.stall.as_secs()
                        ),
                    });
                }
                window = (now, 0);
            }
            if now >= deadline {
                return Err(self.past_deadline(url));
            }
        }
    }

    fn read_error(&self, url: &str, e: std::io::Error, deadline: Instant) -> NetError {
        let timed_out = e.kind() == std::io::ErrorKind::TimedOut
            || e.get_ref()
                .and_then(|x| x.downcast_ref::<ureq::Error>())
                .is_some_and(|x| matches!(x, ureq::Error::Timeout(_)));
        if !timed_out {
            return NetError::Io {
                url: url.to_owned(),
                detail: e.to_string(),
            };
        }
        if Instant::now() >= deadline {
            return self.past_deadline(url);
        }
        NetError::Timeout {
            url: url.to_owned(),
            why: format!("no data for {} s", self.limits.stall.as_secs()),
        }
    }

    fn past_deadline(&self, url: &str) -> NetError {
        NetError::Timeout {
            url: url.to_owned(),
            why: format!(
                "the request took longer than {} s (MODELLOCK_HTTP_TIMEOUT)",
                self.limits.deadline.as_secs()
            ),
        }
    }
}

fn map_error(url: &str, e: ureq::Error) -> NetError {
    let url = url.to_owned();
    match e {
        ureq::Error::Timeout(t) => NetError::Timeout {
            url,
            why: format!("no answer in time ({t})"),
        },
        ureq::Error::HostNotFound => NetError::Connect {
            url,
            detail: "the host name does not resolve".into(),
        },
        ureq::Error::ConnectionFailed => NetError::Connect {
            url,
            detail: "the connection failed".into(),
        },
        // a name that does not resolve comes back as a plain I/O error
        ureq::Error::Io(_) if !resolves(&url) => NetError::Connect {
            url,
            detail: "the host name does not resolve".into(),
        },
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => NetError::Connect {
                url,
                detail: "connection refused".into(),
            },
            std::io::ErrorKind::HostUnreachable | std::io::ErrorKind::NetworkUnreachable => {
                NetError::Connect {
                    url,
                    detail: io.to_string(),
                }
            }
            std::io::ErrorKind::TimedOut => NetError::Timeout {
                url,
                why: "no answer in time".into(),
            },
            _ => NetError::Io {
                url,
                detail: io.to_string(),
            },
        },
        ureq::Error::Tls(msg) => NetError::Tls {
            url,
            detail: msg.to_owned(),
        },
        ureq::Error::Rustls(err) => NetError::Tls {
            url,
            detail: err.to_string(),
        },
        ureq::Error::BodyExceedsLimit(limit) => NetError::TooLarge { url, limit },
        other => NetError::Io {
            url,
            detail: other.to_string(),
        },
    }
}

/// The host (and port, when the URL gives one) of a URL, without
/// credentials.
pub fn host_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => url.to_owned(),
        },
        Err(_) => url.to_owned(),
    }
}

/// A response's headers as (lower-case name, value) pairs.
fn header_list(headers: &ureq::http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// Whether the host of a URL resolves to an address.
fn resolves(url: &str) -> bool {
    let Ok(u) = url::Url::parse(url) else {
        return false;
    };
    u.socket_addrs(|| None).is_ok_and(|a| !a.is_empty())
}

/// Percent-encodes everything but the RFC 3986 unreserved characters (as
/// `quote(s, safe="")` in Python).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-encodes a path, keeping `/` (as `quote(s)` in Python).
pub fn encode_path(s: &str) -> String {
    s.split('/')
        .map(encode_component)
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(
            origin("https://huggingface.co/api/x").as_deref(),
            Some("https://huggingface.co:443")
        );
        assert_eq!(
            origin("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            origin("HTTP://Example.com/x?y").as_deref(),
            Some("http://example.com:80")
        );
        assert_ne!(
            origin("https://cdn.hf.co/x"),
            origin("https://huggingface.co/x")
        );
    }

    #[test]
    fn credentials_and_lookalikes_are_other_origins() {
        // userinfo is not the host
        assert_eq!(
            origin("https://huggingface.co@evil.example/x").as_deref(),
            Some("https://evil.example:443")
        );
        assert_eq!(
            origin("https://user:secret@huggingface.co/x").as_deref(),
            Some("https://huggingface.co:443")
        );
        // a backslash ends the authority (WHATWG), as in a browser
        assert_eq!(
            origin("https://evil.example\\@huggingface.co/").as_deref(),
            Some("https://evil.example:443")
        );
        assert_eq!(
            origin("https://huggingface.co:443/x"),
            origin("https://huggingface.co/x")
        );
        assert_eq!(host_of("http://user:pw@h.example:8080/p"), "h.example:8080");
        assert_eq!(
            redact("http://user:secret@h.example/api"),
            "http://h.example/api"
        );
        let e = NetError::Timeout {
            url: "https://user:secret@hub.example/api/models/x".into(),
            why: "no data for 30 s".into(),
        };
        assert_eq!(
            e.to_string(),
            "https://hub.example/api/models/x timed out: no data for 30 s"
        );
    }

    #[test]
    fn locations() {
        let base = "http://h:1/api/models/a/b?x=1";
        let r = |l: &str| resolve_location(base, l).unwrap();
        assert_eq!(r("/api/models/c/d"), "http://h:1/api/models/c/d");
        assert_eq!(r("https://cdn/x"), "https://cdn/x");
        assert_eq!(r("e"), "http://h:1/api/models/a/e");
        assert_eq!(r("//other/p"), "http://other/p");
        assert_eq!(r("../c"), "http://h:1/api/models/c");
    }

    #[test]
    fn encoding() {
        assert_eq!(encode_component("refs/pr/1"), "refs%2Fpr%2F1");
        assert_eq!(encode_component("fix#123"), "fix%23123");
        assert_eq!(encode_component("v1.0+beta"), "v1.0%2Bbeta");
        assert_eq!(encode_component("with space"), "with%20space");
        assert_eq!(encode_component("100%done"), "100%25done");
        assert_eq!(encode_path("onnx/model file.bin"), "onnx/model%20file.bin");
    }
}
