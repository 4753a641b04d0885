//! Downloads too large to hold: a probe that stops at the redirect to a
//! CDN (where a download's metadata is), and a GET whose body is read as a
//! stream, with the same stall rules as every other body but no deadline
//! on the whole transfer (a 100 GB file takes as long as it takes, as long
//! as it keeps coming).

use super::{Follow, Http, Limits, NetError, RETRY_STATUS};
use std::io::Read;
use std::time::{Duration, Instant};

/// What a `HEAD` said before any redirect to another origin.
#[derive(Clone, Debug)]
pub struct Probe {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    /// The URL that answered.
    pub url: String,
    /// Where the bytes are: the redirect to another origin that was not
    /// followed, else the URL that answered.
    pub location: String,
}

impl Probe {
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }
}

fn find<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// An answer whose body is read as it arrives.
pub struct Stream {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    /// The URL that answered (after redirects).
    pub url: String,
    body: ureq::BodyReader<'static>,
    stall: Duration,
    window: (Instant, u64),
}

impl Stream {
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }

    /// Reads some of the body; `Ok(0)` at its end. A body that stops for
    /// the stall time, or brings less than [`Limits::MIN_BYTES`] in it, is
    /// a timeout.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, NetError> {
        let n = loop {
            match self.body.read(buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let timed_out = e.kind() == std::io::ErrorKind::TimedOut
                        || e.get_ref()
                            .and_then(|x| x.downcast_ref::<ureq::Error>())
                            .is_some_and(|x| matches!(x, ureq::Error::Timeout(_)));
                    return Err(if timed_out {
                        NetError::Timeout {
                            url: self.url.clone(),
                            why: format!("no data for {} s", self.stall.as_secs()),
                        }
                    } else {
                        NetError::Io {
                            url: self.url.clone(),
                            detail: e.to_string(),
                        }
                    });
                }
            }
        };
        let now = Instant::now();
        self.window.1 += n as u64;
        if now.duration_since(self.window.0) >= self.stall {
            if self.window.1 < Limits::MIN_BYTES && n > 0 {
                return Err(NetError::Timeout {
                    url: self.url.clone(),
                    why: format!(
                        "the body came slower than {} bytes in {} s",
                        Limits::MIN_BYTES,
                        self.stall.as_secs()
                    ),
                });
            }
            self.window = (now, 0);
        }
        Ok(n)
    }
}

impl Http {
    /// `HEAD url`, following redirects within its origin and stopping at
    /// one to another origin, as `huggingface_hub` probes a file: the Hub's
    /// metadata headers (`X-Repo-Commit`, `X-Linked-Etag`, `X-Linked-Size`)
    /// are on that redirect, not on the CDN's answer. Transient failures
    /// and 408/429/5xx are retried.
    pub fn probe(&self, url: &str, headers: &[(&str, &str)]) -> Result<Probe, NetError> {
        self.retrying(
            |deadline| {
                let sent = self.send("HEAD", url, headers, Follow::SameOrigin, Some(deadline))?;
                let location = sent.location.clone().unwrap_or_else(|| sent.url.clone());
                Ok(Probe {
                    status: sent.status,
                    headers: sent.headers,
                    url: sent.url,
                    location,
                })
            },
            |p| {
                (
                    p.status,
                    p.header("retry-after").map(str::to_owned),
                    p.url.clone(),
                )
            },
        )
    }

    /// `GET url` with its body left to read as a stream. Redirects are
    /// followed (the token only to its own origin); failures before the
    /// body, and 408/429/5xx answers, are retried with backoff, honouring
    /// `Retry-After`.
    pub fn open(&self, url: &str, headers: &[(&str, &str)]) -> Result<Stream, NetError> {
        let stall = self.limits.stall;
        self.retrying(
            // no deadline on the request: it would cut the body short; the
            // stall limit bounds every wait, the headers' included
            |_| {
                let sent = self.send("GET", url, headers, Follow::All, None)?;
                let body = sent.response.into_body().into_reader();
                Ok(Stream {
                    status: sent.status,
                    headers: sent.headers,
                    url: sent.url,
                    body,
                    stall,
                    window: (Instant::now(), 0),
                })
            },
            |s| {
                (
                    s.status,
                    s.header("retry-after").map(str::to_owned),
                    s.url.clone(),
                )
            },
        )
    }

    /// Runs `once` until it answers something other than a transient
    /// failure, with exponential backoff (or the server's `Retry-After`),
    /// within the request deadline.
    pub(super) fn retrying<T>(
        &self,
        mut once: impl FnMut(Instant) -> Result<T, NetError>,
        answer: impl Fn(&T) -> (u16, Option<String>, String),
    ) -> Result<T, NetError> {
        let deadline = Instant::now() + self.limits.deadline;
        let mut attempt = 0;
        loop {
            let result = once(deadline);
            let wait = match &result {
                Ok(r) => {
                    let (status, retry_after, url) = answer(r);
                    if !RETRY_STATUS.contains(&status) {
                        return result;
                    }
                    let retry_after = retry_after.and_then(|v| v.trim().parse::<u64>().ok());
                    if attempt >= self.retries
                        || retry_after
                            .is_some_and(|s| Duration::from_secs(s) > self.max_retry_after)
                    {
                        return Err(NetError::Server {
                            url,
                            status,
                            retry_after,
                        });
                    }
                    retry_after
                        .map(Duration::from_secs)
                        .unwrap_or(self.backoff * 2u32.pow(attempt))
                }
                Err(e) if e.retryable() && attempt < self.retries => {
                    self.backoff * 2u32.pow(attempt)
                }
                Err(_) => return result,
            };
            // never retry past the request's deadline
            let left = deadline.saturating_duration_since(Instant::now());
            if wait >= left {
                return match result {
                    Err(e) => Err(e),
                    Ok(r) => {
                        let (status, _, url) = answer(&r);
                        Err(NetError::Server {
                            url,
                            status,
                            retry_after: None,
                        })
                    }
                };
            }
            std::thread::sleep(wait);
            attempt += 1;
        }
    }
}
