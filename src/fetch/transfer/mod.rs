//! Downloading files: each into a `.incomplete` file, a large one in
//! chunks fetched over concurrent byte ranges (as hf_transfer and aria2
//! do), hashed as the bytes arrive — a chunk straight from the memory it
//! arrived in when it can, else read back from the file — and resumed from
//! the last written byte after a dropped connection (and, through a record
//! in modellock's cache, after an interrupted run). A file is handed back
//! with its hash only; the caller renames it into place only if the hash
//! is the locked one.

mod hash;
mod part;
mod resume;

use crate::cache::Cache;
use crate::net::{Http, NetError};
use hash::HashState;
use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// Asks the source again where a file is (a CDN's signed URL expires: the
/// Hub's after an hour).
pub type Relocate<'a> = Box<dyn Fn() -> Option<String> + Send + Sync + 'a>;

/// One file to download.
pub struct Job<'a> {
    pub http: &'a Http,
    pub url: String,
    /// Where to ask for a fresh URL when the current one is refused.
    pub relocate: Option<Relocate<'a>>,
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

/// A range of the file, fetched by one request at a time.
struct Part {
    start: u64,
    end: u64,
    /// Bytes written from `start` on, in order.
    written: AtomicU64,
    /// Its bytes are collected in memory and will be handed to the
    /// hashing when complete (else the hashing reads them back).
    in_memory: AtomicBool,
}

impl Part {
    fn new(start: u64, end: u64, written: u64) -> Part {
        Part {
            start,
            end,
            written: AtomicU64::new(written),
            in_memory: AtomicBool::new(false),
        }
    }

    fn len(&self) -> u64 {
        self.end - self.start
    }

    fn next(&self) -> u64 {
        self.start + self.written.load(Ordering::Acquire)
    }
}

/// One file being downloaded.
struct Transfer<'a> {
    job: Job<'a>,
    /// Where the bytes are now (renewed when a signed URL expires), and how
    /// many times it was renewed.
    url: Mutex<(String, u32)>,
    file: File,
    parts: Vec<Part>,
    /// The chunk size the parts were cut in (the whole file for one part).
    chunk: u64,
    stop: Mutex<Option<Done>>,
    failed: AtomicBool,
    hash: Mutex<HashState>,
    /// Complete chunks in memory, by start, waiting to be hashed.
    ready: Mutex<BTreeMap<u64, Vec<u8>>>,
    /// Chunk buffers to reuse.
    spare: Mutex<Vec<Vec<u8>>>,
    /// At most this many chunks wait in memory.
    ready_limit: usize,
    progress: (Mutex<()>, Condvar),
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

    fn failed(&self) -> bool {
        self.failed.load(Ordering::Acquire)
    }

    fn io_error(&self, error: std::io::Error) -> Done {
        Done::Io {
            path: self.job.incomplete.clone(),
            error,
        }
    }

    fn notify(&self) {
        self.progress.1.notify_all();
    }
}

enum Task {
    Start(usize),
    Part(usize, usize),
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
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
    let connections = connections.max(1);
    let mut order: Vec<usize> = (0..n).collect();
    // the biggest first, so that one huge file does not start last
    order.sort_by_key(|&i| std::cmp::Reverse(jobs[i].size));
    let slots: Vec<Mutex<Option<Job>>> = jobs.into_iter().map(|j| Mutex::new(Some(j))).collect();
    let results: Vec<Mutex<Option<Done>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let queue: Mutex<VecDeque<Task>> = Mutex::new(order.into_iter().map(Task::Start).collect());
    // a transfer lives while a part or its hashing runs: its file is
    // closed and its buffers freed as soon as it ends, not with the others
    let transfers: Vec<Mutex<Option<Arc<Transfer>>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let end = |i: usize, done: Done| {
        *lock(&results[i]) = Some(done);
        lock(&transfers[i]).take();
    };
    std::thread::scope(|scope| {
        for _ in 0..connections {
            scope.spawn(|| loop {
                let Some(task) = lock(&queue).pop_front() else {
                    return;
                };
                let (t, index) = match task {
                    Task::Part(i, p) => match lock(&transfers[i]).clone() {
                        Some(t) => (t, p),
                        None => continue,
                    },
                    Task::Start(i) => {
                        let Some(job) = lock(&slots[i]).take() else {
                            continue;
                        };
                        let t = match resume::start(job, connections, cache, on_bytes) {
                            Ok(t) => Arc::new(t),
                            Err(done) => {
                                end(i, done);
                                continue;
                            }
                        };
                        if t.parts.len() == 1 {
                            // one request, hashed inline
                            hash::catch_up(&t);
                            part::run(&t, 0, cache, on_bytes);
                            end(i, hash::finish_inline(&t, cache));
                            continue;
                        }
                        *lock(&transfers[i]) = Some(t.clone());
                        // the chunks to every connection, in order; the
                        // hashing beside them
                        let mut q = lock(&queue);
                        for p in (1..t.parts.len()).rev() {
                            q.push_front(Task::Part(i, p));
                        }
                        drop(q);
                        let hashed = t.clone();
                        let end = &end;
                        scope.spawn(move || end(i, hash::follow(&hashed, cache)));
                        (t, 0)
                    }
                };
                part::run(&t, index, cache, on_bytes);
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
