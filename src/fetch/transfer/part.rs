//! One part of a download: a byte range asked for (the whole file for a
//! file of one part), written into the `.incomplete` file as it arrives,
//! asked again from the last written byte when the connection drops.

use super::resume::{self, write_at};
use super::{lock, Done, Part, Transfer};
use crate::cache::Cache;
use crate::net::{NetError, Stream};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Read size from the network.
const READ: usize = 256 << 10;
/// Attempts of a part without progress before the file fails.
const ATTEMPTS: u32 = 5;
/// A file of one part saves its resume record after every this many bytes.
const RECORD_EVERY: u64 = 64 << 20;

enum Stop {
    /// Worth another try from the last written byte.
    Retry(NetError),
    Fatal(Done),
}

/// Where a part's bytes go besides the file: the chunk buffer that will
/// be handed to the hashing whole, or a scratch buffer.
struct Sink {
    buf: Vec<u8>,
    /// The buffer holds the chunk from its start (`buf[..filled]`).
    whole: bool,
    filled: usize,
}

/// Downloads part `index` until it is complete or the transfer failed.
pub(super) fn run(t: &Transfer<'_>, index: usize, cache: &Cache, on_bytes: &(dyn Fn(u64) + Sync)) {
    let part = &t.parts[index];
    let single = t.parts.len() == 1;
    if t.failed() || part.next() >= part.end {
        return;
    }
    // a chunk begun here is kept in memory for the hashing, unless too
    // many wait there already
    let whole = !single
        && part.written.load(Ordering::Acquire) == 0
        && lock(&t.ready).len() < t.ready_limit;
    let mut sink = Sink {
        buf: if whole {
            resume::buffer(t, part.len() as usize)
        } else {
            vec![0u8; READ]
        },
        whole,
        filled: 0,
    };
    part.in_memory.store(whole, Ordering::Release);
    let mut attempts = 0u32;
    let mut since_record = 0u64;
    while part.next() < part.end && !t.failed() {
        let from = part.next();
        let range = format!("bytes={from}-{}", part.end - 1);
        let mut headers = vec![("accept-encoding", "identity")];
        // a whole file from its start needs no range (and works with
        // servers that have none)
        if !(single && from == 0) {
            headers.push(("range", range.as_str()));
        }
        let before = part.next();
        let mut read = |stream| {
            read_into(
                t,
                part,
                stream,
                &mut sink,
                on_bytes,
                &mut since_record,
                cache,
            )
        };
        match request(t, part, from, &headers, single).and_then(&mut read) {
            Ok(()) => {}
            Err(Stop::Fatal(done)) => {
                t.fail(done);
                break;
            }
            Err(Stop::Retry(e)) => {
                if part.next() > before {
                    attempts = 0;
                }
                attempts += 1;
                if attempts >= ATTEMPTS {
                    t.fail(Done::Network(e));
                    break;
                }
                std::thread::sleep(Duration::from_millis(250) * 2u32.pow(attempts - 1));
            }
        }
    }
    // a complete chunk goes to the hashing from memory; else its buffer
    // goes back
    let complete = part.next() == part.end;
    if sink.whole && complete && sink.filled as u64 == part.len() {
        lock(&t.ready).insert(part.start, sink.buf);
    } else if sink.whole {
        lock(&t.spare).push(sink.buf);
    }
    part.in_memory.store(false, Ordering::Release);
    t.notify();
}

/// At most this many fresh URLs a download asks for.
const RELOCATIONS: u32 = 3;

/// Asks for the part from `from` on; checks that the answer is that range.
/// A refusal (401, 403, 404, 410) of a URL the source gave — a CDN's
/// signed URL that expired — is met by asking the source again where the
/// file is, a few times in all.
fn request(
    t: &Transfer<'_>,
    part: &Part,
    from: u64,
    headers: &[(&str, &str)],
    single: bool,
) -> Result<(Stream, bool), Stop> {
    let (url, renewed) = lock(&t.url).clone();
    let refused = match open(t, &url, part, from, headers, single) {
        Err(Stop::Fatal(Done::Refused { status, headers }))
            if matches!(status, 401 | 403 | 404 | 410) && t.job.relocate.is_some() =>
        {
            Done::Refused { status, headers }
        }
        other => return other,
    };
    let mut current = lock(&t.url);
    if current.0 == url {
        // the first connection to meet the refusal asks
        let fresh = (renewed < RELOCATIONS)
            .then(|| t.job.relocate.as_ref().and_then(|r| r()))
            .flatten();
        match fresh {
            Some(fresh) => *current = (fresh, renewed + 1),
            None => return Err(Stop::Fatal(refused)),
        }
    }
    let fresh = current.0.clone();
    drop(current);
    open(t, &fresh, part, from, headers, single)
}

/// One request for the part at `url`, checked.
fn open(
    t: &Transfer<'_>,
    url: &str,
    part: &Part,
    from: u64,
    headers: &[(&str, &str)],
    single: bool,
) -> Result<(Stream, bool), Stop> {
    let stream = t.job.http.open(url, headers).map_err(|e| match e {
        NetError::Connect { .. } | NetError::Timeout { .. } | NetError::Io { .. } => Stop::Retry(e),
        other => Stop::Fatal(Done::Network(other)),
    })?;
    let ranged = headers.iter().any(|(k, _)| *k == "range");
    let restart = match stream.status {
        206 if ranged => {
            let expected = format!("bytes {from}-{}/{}", part.end - 1, t.job.size);
            let got = stream.header("content-range").unwrap_or("").trim();
            if got != expected {
                return Err(Stop::Fatal(Done::Unexpected(format!(
                    "asked for {}, the server sent `{got}`",
                    expected.trim_start_matches("bytes ")
                ))));
            }
            false
        }
        200 if !ranged => false,
        // the range was ignored: a file of one part comes again from 0
        200 if single => true,
        200 => {
            return Err(Stop::Fatal(Done::Unexpected(
                "the server ignored the byte range asked for (no resumable downloads)".into(),
            )))
        }
        s if (200..300).contains(&s) => {
            return Err(Stop::Fatal(Done::Unexpected(format!(
                "the server answered {s}"
            ))))
        }
        status => {
            return Err(Stop::Fatal(Done::Refused {
                status,
                headers: stream.headers.clone(),
            }))
        }
    };
    if let Some(enc) = stream.header("content-encoding") {
        if !enc.trim().eq_ignore_ascii_case("identity") {
            return Err(Stop::Fatal(Done::Unexpected(format!(
                "the server compressed the file ({enc}) though asked not to"
            ))));
        }
    }
    Ok((stream, restart))
}

/// Writes a body into the file from the part's front on (and hashes it
/// inline for a file of one part).
fn read_into(
    t: &Transfer<'_>,
    part: &Part,
    (mut stream, restart): (Stream, bool),
    sink: &mut Sink,
    on_bytes: &(dyn Fn(u64) + Sync),
    since_record: &mut u64,
    cache: &Cache,
) -> Result<(), Stop> {
    let single = t.parts.len() == 1;
    if restart {
        part.written.store(0, Ordering::Release);
        lock(&t.hash).restart(t.job.size);
    }
    let from = part.next();
    if sink.whole && sink.filled as u64 != from - part.start {
        // a buffer that no longer matches the part: the hashing reads back
        sink.whole = false;
        part.in_memory.store(false, Ordering::Release);
        t.notify();
    }
    let mut at = from;
    loop {
        let room = (part.end - at).min(READ as u64) as usize;
        if room == 0 {
            // the part is complete; more bytes would be an error
            let mut probe = [0u8; 1];
            return match stream.read(&mut probe).map_err(Stop::Retry)? {
                0 => Ok(()),
                _ => Err(Stop::Fatal(Done::Unexpected(format!(
                    "the server sent more than the {} bytes asked for",
                    part.len()
                )))),
            };
        }
        let target = if sink.whole {
            &mut sink.buf[sink.filled..sink.filled + room]
        } else {
            &mut sink.buf[..room]
        };
        let n = stream.read(target).map_err(Stop::Retry)?;
        if n == 0 {
            break;
        }
        let bytes = &target[..n];
        write_at(&t.file, bytes, at).map_err(|error| Stop::Fatal(t.io_error(error)))?;
        if single {
            // hashed while it is hot in the cache, when it is next in line
            let mut state = lock(&t.hash);
            if state.cursor == at {
                state.update(bytes);
            }
        }
        if sink.whole {
            sink.filled += n;
        }
        at += n as u64;
        part.written.fetch_add(n as u64, Ordering::AcqRel);
        on_bytes(n as u64);
        if !sink.whole {
            // the hashing reads this back; a whole chunk wakes it once, at
            // its end
            t.notify();
        }
        *since_record += n as u64;
        if single && *since_record >= RECORD_EVERY {
            resume::save(t, cache);
            *since_record = 0;
        }
        if t.failed() {
            return Ok(());
        }
    }
    if at < part.end {
        return Err(Stop::Retry(NetError::Io {
            url: stream.url.clone(),
            detail: format!(
                "the body ended after {} of {} bytes",
                at - from,
                part.end - from
            ),
        }));
    }
    Ok(())
}
