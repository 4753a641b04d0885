//! The `.incomplete` file of a download: opened under a lock, its size
//! reserved, cut into chunks, and what an earlier run wrote taken up —
//! from the record kept in modellock's cache, or, for a file written front
//! to back (as older huggingface_hub versions leave it), its length.

use super::hash::HashState;
use super::{lock, Done, Job, Part, Transfer};
use crate::cache::Cache;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};

/// The resume record's kind in the cache.
const KIND: &str = "fetch-parts-2";

/// What is kept of an interrupted download so that the next run goes on
/// where it stopped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    size: u64,
    chunk: u64,
    /// The complete chunks, as merged ranges.
    done: Vec<(u64, u64)>,
    /// Chunks begun: (start, bytes written).
    begun: Vec<(u64, u64)>,
}

/// Files up to twice this size come in one request; larger ones in chunks
/// of this size: 8 MiB, or `MODELLOCK_FETCH_PART_SIZE` bytes (at least
/// 64 KiB).
fn chunk_size() -> u64 {
    std::env::var("MODELLOCK_FETCH_PART_SIZE")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(8 << 20, |v| v.max(64 << 10))
}

fn key(job: &Job<'_>) -> String {
    job.incomplete.display().to_string()
}

/// Opens the `.incomplete` file (waiting for another process that writes
/// it), takes up what an earlier run wrote, and reserves the file's size
/// on disk (a full disk fails here, not after hours).
pub(super) fn start<'a>(
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
    let chunk = match chunk_size() {
        c if job.size <= 2 * c => job.size.max(1),
        c => c,
    };
    let parts: Vec<Part> = (0..job.size.div_ceil(chunk).max(1))
        .map(|k| Part::new(k * chunk, ((k + 1) * chunk).min(job.size), 0))
        .collect();
    let record: Option<Record> = cache.get(KIND, &key(&job));
    match record {
        Some(r) if r.size == job.size && r.chunk == chunk && len == job.size => {
            let begun: BTreeMap<u64, u64> = r.begun.into_iter().collect();
            for p in &parts {
                let complete = r.done.iter().any(|&(a, b)| a <= p.start && p.end <= b);
                let w = if complete {
                    p.len()
                } else {
                    begun.get(&p.start).copied().unwrap_or(0).min(p.len())
                };
                p.written.store(w, Ordering::Release);
            }
        }
        // a prefix written front to back
        _ if len < job.size || len == 0 => {
            for p in &parts {
                let w = len.saturating_sub(p.start).min(p.len());
                p.written.store(w, Ordering::Release);
            }
        }
        // a file of full size without a record: nothing in it can be
        // placed, so it starts again
        _ => file.set_len(0).map_err(io)?,
    }
    let resumed: u64 = parts
        .iter()
        .map(|p| p.written.load(Ordering::Acquire))
        .sum();
    reserve(&file, job.size).map_err(io)?;
    on_bytes(resumed);
    let hash = HashState::new(job.git_id.then_some(job.size));
    let url = Mutex::new((job.url.clone(), 0));
    Ok(Transfer {
        url,
        job,
        file,
        parts,
        chunk,
        stop: Mutex::new(None),
        failed: AtomicBool::new(false),
        hash: Mutex::new(hash),
        ready: Mutex::new(BTreeMap::new()),
        spare: Mutex::new(Vec::new()),
        ready_limit: connections,
        progress: (Mutex::new(()), Condvar::new()),
    })
}

/// Keeps how far each chunk got, for the next run.
pub(super) fn save(t: &Transfer<'_>, cache: &Cache) {
    let mut done: Vec<(u64, u64)> = Vec::new();
    let mut begun = Vec::new();
    for p in &t.parts {
        let w = p.written.load(Ordering::Acquire);
        if w == p.len() {
            match done.last_mut() {
                Some((_, end)) if *end == p.start => *end = p.end,
                _ => done.push((p.start, p.end)),
            }
        } else if w > 0 {
            begun.push((p.start, w));
        }
    }
    let record = Record {
        size: t.job.size,
        chunk: t.chunk,
        done,
        begun,
    };
    cache.put(KIND, &key(&t.job), &record);
}

/// Forgets the record of a download that ended.
pub(super) fn forget(t: &Transfer<'_>, cache: &Cache) {
    cache.remove(KIND, &key(&t.job));
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

/// Writes all of `buf` at `offset`.
pub(super) fn write_at(file: &File, buf: &[u8], offset: u64) -> std::io::Result<()> {
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

/// Fills `buf` from `offset`.
pub(super) fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
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

/// A buffer of `len` bytes for a chunk (a spare one when there is).
pub(super) fn buffer(t: &Transfer<'_>, len: usize) -> Vec<u8> {
    let mut b = lock(&t.spare).pop().unwrap_or_default();
    if b.len() < len {
        b.resize(len, 0);
    }
    b
}
