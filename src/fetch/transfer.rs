//! Downloading files: each into a `.incomplete` file, in concurrent byte
//! ranges for large files (as hf_transfer and aria2 do), hashed as the
//! bytes arrive, resumed from the last written offset after a dropped
//! connection (and, through a record in modellock's cache, after an
//! interrupted run). A file is handed back only with its hash; the caller
//! renames it into place only if the hash is the locked one.

use crate::cache::Cache;
use crate::hashing::hex;
use crate::net::{Http, NetError};
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// Files up to twice this size come in one request; larger ones in ranges
/// of at least this size (one per connection, at most). 32 MiB, or
/// `MODELLOCK_FETCH_PART_SIZE` bytes (at least 64 KiB).
fn min_part() -> u64 {
    std::env::var("MODELLOCK_FETCH_PART_SIZE")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(32 << 20, |v| v.max(64 << 10))
}
/// Read size from the network.
const BUF: usize = 256 << 10;
/// Attempts of a range without progress before the file fails.
const ATTEMPTS: u32 = 5;
/// The resume record is saved after every this many bytes of a part.
const RECORD_EVERY: u64 = 64 << 20;

/// One file to download.
pub struct Job<'a> {
    pub http: &'a Http,
    pub url: String,
    pub size: u64,
    /// Also compute the git blob id (files the Hub stores in git are
    /// named by it in its cache).
    pub git_id: bool,
    /// Where the bytes go until they are verified.
    pub incomplete: PathBuf,
}

/// How a download ended.
#[derive(Debug)]
pub enum Done {
    /// Every byte arrived: the file's sha256 (and git blob id, if asked).
    Complete {
        sha256: String,
        git_id: Option<String>,
    },
    /// The server refused the download (its status and headers).
    Refused {
        status: u16,
        headers: Vec<(String, String)>,
    },
    /// The connection failed (after retries).
    Network(NetError),
    /// The server answered something that is not the file.
    Unexpected(String),
    /// The `.incomplete` file could not be written.
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// What is kept of an interrupted download so that the next run goes on
/// where it stopped: the parts and how far each was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    size: u64,
    parts: Vec<(u64, u64, u64)>,
}

struct Part {
    start: u64,
    end: u64,
    written: AtomicU64,
}

impl Part {
    fn next(&self) -> u64 {
        self.start + self.written.load(Ordering::Acquire)
    }
}

struct HashState {
    sha256: Sha256,
    sha1: Option<Sha1>,
    /// Bytes hashed so far (all before it are in the file).
    cursor: u64,
}

impl HashState {
    /// With the git blob id of a file of `git_size` bytes, if given.
    fn new(git_size: Option<u64>) -> HashState {
        HashState {
            sha256: Sha256::new(),
            sha1: git_size.map(|size| {
                let mut h = Sha1::new();
                h.update(format!("blob {size}\0").as_bytes());
                h
            }),
            cursor: 0,
        }
    }
}

/// One file being downloaded.
struct Transfer<'a> {
    job: Job<'a>,
    file: File,
    parts: Vec<Part>,
    stop: Mutex<Option<Done>>,
    failed: AtomicBool,
    hash: Mutex<HashState>,
    progress: (Mutex<()>, Condvar),
}

/// Downloads every job with at most `connections` requests at once;
/// `on_bytes` is told of every byte written (resumed bytes included, at
/// the start). The results are in the order of the jobs.
pub fn run_all(
    jobs: Vec<Job<'_>>,
    connections: usize,
    cache: &Cache,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Vec<Done> {
    let n = jobs.len();
    let mut order: Vec<usize> = (0..n).collect();
    // the biggest first, so that one huge file does not start last
    order.sort_by_key(|&i| std::cmp::Reverse(jobs[i].size));
    let slots: Vec<Mutex<Option<Job>>> = jobs.into_iter().map(|j| Mutex::new(Some(j))).collect();
    let results: Vec<Mutex<Option<Done>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let queue: Mutex<VecDeque<Task>> = Mutex::new(order.into_iter().map(Task::Start).collect());
    let transfers: Vec<std::sync::OnceLock<Transfer>> =
        (0..n).map(|_| std::sync::OnceLock::new()).collect();
    std::thread::scope(|scope| {
        for _ in 0..connections.max(1) {
            scope.spawn(|| loop {
                let Some(task) = lock(&queue).pop_front() else {
                    return;
                };
                match task {
                    Task::Start(i) => {
                        let Some(job) = lock(&slots[i]).take() else {
                            continue;
                        };
                        match start(job, connections, cache, on_bytes) {
                            Err(done) => *lock(&results[i]) = Some(done),
                            Ok(t) => {
                                let t = transfers[i].get_or_init(|| t);
                                if t.parts.len() > 1 {
                                    // the other parts to the other
                                    // connections; the hashing beside them
                                    let mut q = lock(&queue);
                                    for p in (1..t.parts.len()).rev() {
                                        q.push_front(Task::Part(i, p));
                                    }
                                    drop(q);
                                    let slot = &results[i];
                                    scope.spawn(move || {
                                        let done = hash_behind(t, cache);
                                        *lock(slot) = Some(done);
                                    });
                                    run_part(t, 0, cache, on_bytes);
                                } else {
                                    catch_up(t);
                                    run_part(t, 0, cache, on_bytes);
                                    *lock(&results[i]) = Some(finish_inline(t, cache));
                                }
                            }
                        }
                    }
                    Task::Part(i, p) => {
                        if let Some(t) = transfers[i].get() {
                            run_part(t, p, cache, on_bytes);
                        }
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .map(|r| {
            r.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or(Done::Unexpected("the download did not run".into()))
        })
        .collect()
}

enum Task {
    Start(usize),
    Part(usize, usize),
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn record_key(job: &Job<'_>) -> String {
    job.incomplete.display().to_string()
}

/// Opens the `.incomplete` file (waiting for another process that writes
/// it), takes up what an earlier run wrote, and reserves the file's size
/// on disk (a full disk fails here, not after hours).
fn start<'a>(
    job: Job<'a>,
    connections: usize,
    cache: &Cache,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<Transfer<'a>, Done> {
    let io = |error: std::io::Error| Done::Io {
        path: job.incomplete.clone(),
        error,
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&job.incomplete)
        .map_err(io)?;
    // two fetches of one file wait for each other instead of interleaving
    file.lock().map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let min_part = min_part();
    let count = if job.size <= 2 * min_part {
        1
    } else {
        (job.size.div_ceil(min_part)).min(connections.max(1) as u64)
    };
    let step = job.size.div_ceil(count.max(1));
    let mut parts: Vec<Part> = (0..count)
        .map(|k| Part {
            start: k * step,
            end: ((k + 1) * step).min(job.size),
            written: AtomicU64::new(0),
        })
        .collect();
    // what an earlier run wrote: its record, else (a file written front
    // to back, as huggingface_hub's) a prefix shorter than the file
    let record: Option<Record> = cache.get("fetch-parts", &record_key(&job));
    match record {
        Some(r) if r.size == job.size && len == job.size => {
            parts = r
                .parts
                .iter()
                .filter(|(s, e, w)| s <= e && *e <= job.size && *w <= e - s)
                .map(|&(start, end, w)| Part {
                    start,
                    end,
                    written: AtomicU64::new(w),
                })
                .collect();
            let covered: u64 = parts.iter().map(|p| p.end - p.start).sum();
            let contiguous = parts.windows(2).all(|w| w[0].end == w[1].start)
                && parts.first().is_some_and(|p| p.start == 0)
                && covered == job.size;
            if !contiguous {
                return start_over(job, file, connections, cache, on_bytes);
            }
        }
        _ if len < job.size || len == 0 => {
            for p in &parts {
                let w = len.saturating_sub(p.start).min(p.end - p.start);
                p.written.store(w, Ordering::Release);
            }
        }
        _ => return start_over(job, file, connections, cache, on_bytes),
    }
    let resumed: u64 = parts
        .iter()
        .map(|p| p.written.load(Ordering::Acquire))
        .sum();
    reserve(&file, job.size).map_err(io)?;
    on_bytes(resumed);
    let hash = HashState::new(job.git_id.then_some(job.size));
    Ok(Transfer {
        job,
        file,
        parts,
        stop: Mutex::new(None),
        failed: AtomicBool::new(false),
        hash: Mutex::new(hash),
        progress: (Mutex::new(()), Condvar::new()),
    })
}

/// A `.incomplete` file whose content cannot be trusted as a prefix:
/// emptied, and the record forgotten.
fn start_over<'a>(
    job: Job<'a>,
    file: File,
    connections: usize,
    cache: &Cache,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Result<Transfer<'a>, Done> {
    if let Err(error) = file.set_len(0) {
        return Err(Done::Io {
            path: job.incomplete.clone(),
            error,
        });
    }
    cache.remove("fetch-parts", &record_key(&job));
    drop(file);
    start(job, connections, cache, on_bytes)
}

/// Makes the file its full size, with the blocks allocated where the file
/// system can (so that a full disk is an error now).
fn reserve(file: &File, size: u64) -> std::io::Result<()> {
    if file.metadata()?.len() != size {
        file.set_len(size)?;
    }
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let len = libc::off_t::try_from(size).unwrap_or(libc::off_t::MAX);
        // SAFETY: posix_fallocate only uses the descriptor `file` keeps open.
        let r = unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len) };
        if r == libc::ENOSPC || r == libc::EFBIG {
            return Err(std::io::Error::from_raw_os_error(r));
        }
    }
    Ok(())
}

fn write_at(file: &File, buf: &[u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            let n = std::os::windows::fs::FileExt::seek_write(
                file,
                &buf[done..],
                offset + done as u64,
            )?;
            if n == 0 {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            done += n;
        }
        Ok(())
    }
}

fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            let n = std::os::windows::fs::FileExt::seek_read(
                file,
                &mut buf[done..],
                offset + done as u64,
            )?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            done += n;
        }
        Ok(())
    }
}

impl Transfer<'_> {
    fn fail(&self, done: Done) {
        let mut stop = lock(&self.stop);
        if stop.is_none() {
            *stop = Some(done);
        }
        self.failed.store(true, Ordering::Release);
        self.progress.1.notify_all();
    }

    fn save_record(&self, cache: &Cache) {
        let record = Record {
            size: self.job.size,
            parts: self
                .parts
                .iter()
                .map(|p| (p.start, p.end, p.written.load(Ordering::Acquire)))
                .collect(),
        };
        cache.put("fetch-parts", &record_key(&self.job), &record);
    }

    /// Hashes what is in the file from the cursor on, as far as it is
    /// written; whether it reached the end.
    fn hash_written(&self, state: &mut HashState, buf: &mut [u8]) -> std::io::Result<bool> {
        loop {
            if state.cursor >= self.job.size {
                return Ok(true);
            }
            let Some(p) = self
                .parts
                .iter()
                .find(|p| p.start <= state.cursor && state.cursor < p.end)
            else {
                return Ok(true);
            };
            let available = p.next().saturating_sub(state.cursor);
            if available == 0 {
                return Ok(false);
            }
            let n = available.min(buf.len() as u64) as usize;
            read_at(&self.file, &mut buf[..n], state.cursor)?;
            update(state, &buf[..n]);
        }
    }

    fn outcome(&self, state: HashState) -> Done {
        if let Some(done) = lock(&self.stop).take() {
            return done;
        }
        Done::Complete {
            sha256: hex(&state.sha256.finalize()),
            git_id: state.sha1.map(|h| hex(&h.finalize())),
        }
    }
}

fn update(state: &mut HashState, bytes: &[u8]) {
    state.sha256.update(bytes);
    if let Some(h) = &mut state.sha1 {
        h.update(bytes);
    }
    state.cursor += bytes.len() as u64;
}

/// The hashing of a file that comes in several ranges: it follows the
/// written front, reading back from the file (the page cache) what the
/// range connections wrote.
fn hash_behind(t: &Transfer<'_>, cache: &Cache) -> Done {
    let mut buf = vec![0u8; 1 << 20];
    let mut state = std::mem::replace(&mut *lock(&t.hash), HashState::new(None));
    let mut saved_at = 0u64;
    loop {
        match t.hash_written(&mut state, &mut buf) {
            Ok(true) => break,
            Ok(false) => {}
            Err(error) => {
                t.fail(Done::Io {
                    path: t.job.incomplete.clone(),
                    error,
                });
            }
        }
        if t.failed.load(Ordering::Acquire) {
            t.save_record(cache);
            return t.outcome(state);
        }
        if state.cursor >= saved_at + RECORD_EVERY {
            t.save_record(cache);
            saved_at = state.cursor;
        }
        let guard = lock(&t.progress.0);
        let _ = t.progress.1.wait_timeout(guard, Duration::from_millis(20));
    }
    // every part ended: failures were reported before the last byte
    if t.failed.load(Ordering::Acquire) {
        t.save_record(cache);
    } else {
        cache.remove("fetch-parts", &record_key(&t.job));
    }
    t.outcome(state)
}

/// Hashes what an earlier run wrote, before the download goes on after it.
fn catch_up(t: &Transfer<'_>) {
    let mut state = lock(&t.hash);
    if t.parts[0].next() > 0 {
        let mut buf = vec![0u8; 1 << 20];
        if let Err(error) = t.hash_written(&mut state, &mut buf) {
            drop(state);
            t.fail(Done::Io {
                path: t.job.incomplete.clone(),
                error,
            });
        }
    }
}

/// A file that came in one request: hashed inline as it arrived (what an
/// earlier run wrote, read back first).
fn finish_inline(t: &Transfer<'_>, cache: &Cache) -> Done {
    let mut state = std::mem::replace(&mut *lock(&t.hash), HashState::new(None));
    if !t.failed.load(Ordering::Acquire) && state.cursor < t.job.size {
        let mut buf = vec![0u8; 1 << 20];
        if let Err(error) = t.hash_written(&mut state, &mut buf) {
            t.fail(Done::Io {
                path: t.job.incomplete.clone(),
                error,
            });
        }
    }
    if t.failed.load(Ordering::Acquire) {
        t.save_record(cache);
    } else {
        cache.remove("fetch-parts", &record_key(&t.job));
    }
    t.outcome(state)
}

/// Downloads one part, resuming after dropped connections from the last
/// written byte, until it is complete or the transfer failed.
fn run_part(t: &Transfer<'_>, index: usize, cache: &Cache, on_bytes: &(dyn Fn(u64) + Sync)) {
    let part = &t.parts[index];
    let single = t.parts.len() == 1;
    let mut buf = vec![0u8; BUF];
    let mut attempts = 0u32;
    let mut since_record = 0u64;
    while part.next() < part.end && !t.failed.load(Ordering::Acquire) {
        let from = part.next();
        let range = format!("bytes={from}-{}", part.end - 1);
        let mut headers = vec![("accept-encoding", "identity")];
        // a whole file from its start needs no range (and works with
        // servers that have none)
        if !(single && from == 0) {
            headers.push(("range", range.as_str()));
        }
        let before = part.next();
        match fetch_range(
            t,
            part,
            from,
            &headers,
            single,
            &mut buf,
            on_bytes,
            &mut since_record,
            cache,
        ) {
            Ok(()) => {}
            Err(Stop::Fatal(done)) => return t.fail(done),
            Err(Stop::Retry(e)) => {
                if part.next() > before {
                    attempts = 0;
                }
                attempts += 1;
                if attempts >= ATTEMPTS {
                    return t.fail(Done::Network(e));
                }
                std::thread::sleep(Duration::from_millis(250) * 2u32.pow(attempts - 1));
            }
        }
    }
}

enum Stop {
    /// Worth another try from the last written byte.
    Retry(NetError),
    Fatal(Done),
}

#[allow(clippy::too_many_arguments)]
fn fetch_range(
    t: &Transfer<'_>,
    part: &Part,
    from: u64,
    headers: &[(&str, &str)],
    single: bool,
    buf: &mut [u8],
    on_bytes: &(dyn Fn(u64) + Sync),
    since_record: &mut u64,
    cache: &Cache,
) -> Result<(), Stop> {
    let stream = t.job.http.open(&t.job.url, headers).map_err(|e| match e {
        NetError::Connect { .. } | NetError::Timeout { .. } | NetError::Io { .. } => Stop::Retry(e),
        other => Stop::Fatal(Done::Network(other)),
    })?;
    let status = stream.status;
    let ranged = headers.iter().any(|(k, _)| *k == "range");
    match status {
        206 if ranged => {
            let expected = format!("bytes {from}-{}/{}", part.end - 1, t.job.size);
            let got = stream
                .header("content-range")
                .unwrap_or("")
                .trim()
                .to_owned();
            if got != expected {
                return Err(Stop::Fatal(Done::Unexpected(format!(
                    "asked for {}, the server sent `{got}`",
                    expected.trim_start_matches("bytes ")
                ))));
            }
        }
        200 if !ranged => {}
        200 if single => {
            // the range was ignored: the whole file comes again, from 0
            part.written.store(0, Ordering::Release);
            let git_size = lock(&t.hash).sha1.is_some().then_some(t.job.size);
            *lock(&t.hash) = HashState::new(git_size);
            return read_into(
                t,
                part,
                0,
                stream,
                single,
                buf,
                on_bytes,
                since_record,
                cache,
            );
        }
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
        _ => {
            return Err(Stop::Fatal(Done::Refused {
                status,
                headers: stream.headers.clone(),
            }))
        }
    }
    if let Some(enc) = stream.header("content-encoding") {
        if !enc.trim().eq_ignore_ascii_case("identity") {
            return Err(Stop::Fatal(Done::Unexpected(format!(
                "the server compressed the file ({enc}) though asked not to"
            ))));
        }
    }
    read_into(
        t,
        part,
        from,
        stream,
        single,
        buf,
        on_bytes,
        since_record,
        cache,
    )
}

/// Writes a body into the file from `from` on (and hashes it inline for a
/// file of one part).
#[allow(clippy::too_many_arguments)]
fn read_into(
    t: &Transfer<'_>,
    part: &Part,
    from: u64,
    mut stream: crate::net::Stream,
    single: bool,
    buf: &mut [u8],
    on_bytes: &(dyn Fn(u64) + Sync),
    since_record: &mut u64,
    cache: &Cache,
) -> Result<(), Stop> {
    let mut at = from;
    loop {
        let n = stream.read(buf).map_err(Stop::Retry)?;
        if n == 0 {
            break;
        }
        if at + n as u64 > part.end {
            return Err(Stop::Fatal(Done::Unexpected(format!(
                "the server sent more than the {} bytes of the file",
                t.job.size
            ))));
        }
        write_at(&t.file, &buf[..n], at).map_err(|error| {
            Stop::Fatal(Done::Io {
                path: t.job.incomplete.clone(),
                error,
            })
        })?;
        if single {
            // hashed while it is hot in the cache, when it is next in line
            let mut state = lock(&t.hash);
            if state.cursor == at {
                update(&mut state, &buf[..n]);
            }
        }
        at += n as u64;
        part.written.fetch_add(n as u64, Ordering::AcqRel);
        on_bytes(n as u64);
        t.progress.1.notify_one();
        *since_record += n as u64;
        if single && *since_record >= RECORD_EVERY {
            t.save_record(cache);
            *since_record = 0;
        }
        if t.failed.load(Ordering::Acquire) {
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
