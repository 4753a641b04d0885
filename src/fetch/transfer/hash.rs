//! Hashing a download as it arrives: inline for a file of one request;
//! for a file of many chunks, a thread that follows the front of what has
//! arrived, taking each chunk from the memory it arrived in when it waits
//! there, else reading it back from the file.

use super::resume::{self, read_at};
use super::{lock, Done, Transfer};
use crate::cache::Cache;
use crate::hashing::hex;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// The hashes of a file, over its first `cursor` bytes.
pub(super) struct HashState {
    sha256: Sha256,
    sha1: Option<Sha1>,
    /// Bytes hashed so far (all before it are in the file).
    pub(super) cursor: u64,
}

impl HashState {
    /// With the git blob id of a file of `git_size` bytes, if given.
    pub(super) fn new(git_size: Option<u64>) -> HashState {
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

    pub(super) fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
        if let Some(h) = &mut self.sha1 {
            h.update(bytes);
        }
        self.cursor += bytes.len() as u64;
    }

    /// The same hashes from the start (a download that starts again).
    pub(super) fn restart(&mut self, size: u64) {
        *self = HashState::new(self.sha1.is_some().then_some(size));
    }
}

/// How the download ended: a failure, else the hashes.
fn outcome(t: &Transfer<'_>, state: HashState) -> Done {
    if let Some(done) = lock(&t.stop).take() {
        return done;
    }
    Done::Complete {
        sha256: hex(&state.sha256.finalize()),
        git_id: state.sha1.map(|h| hex(&h.finalize())),
    }
}

/// Hashes what is written in the file from the cursor on, up to `limit`
/// or the end of what is written; whether it reached the end of the file.
fn read_back(
    t: &Transfer<'_>,
    state: &mut HashState,
    buf: &mut [u8],
    limit: u64,
) -> std::io::Result<bool> {
    while state.cursor < limit {
        let Some(p) = t
            .parts
            .iter()
            .find(|p| p.start <= state.cursor && state.cursor < p.end)
        else {
            break;
        };
        let available = p.next().min(limit).saturating_sub(state.cursor);
        if available == 0 {
            return Ok(false);
        }
        let n = available.min(buf.len() as u64) as usize;
        read_at(&t.file, &mut buf[..n], state.cursor)?;
        state.update(&buf[..n]);
    }
    Ok(state.cursor >= t.job.size)
}

/// Hashes what an earlier run wrote, before the download goes on after it.
pub(super) fn catch_up(t: &Transfer<'_>) {
    let mut state = lock(&t.hash);
    if t.parts[0].next() > 0 {
        let mut buf = vec![0u8; 1 << 20];
        if let Err(error) = read_back(t, &mut state, &mut buf, t.job.size) {
            drop(state);
            t.fail(t.io_error(error));
        }
    }
}

/// A file that came in one request: hashed inline as it arrived (the rest,
/// if any, read back).
pub(super) fn finish_inline(t: &Transfer<'_>, cache: &Cache) -> Done {
    let mut state = std::mem::replace(&mut *lock(&t.hash), HashState::new(None));
    if !t.failed() && state.cursor < t.job.size {
        let mut buf = vec![0u8; 1 << 20];
        if let Err(error) = read_back(t, &mut state, &mut buf, t.job.size) {
            t.fail(t.io_error(error));
        }
    }
    if t.failed() {
        resume::save(t, cache);
    } else {
        resume::forget(t, cache);
    }
    outcome(t, state)
}

/// The hashing of a file of many chunks: it follows the front of what
/// arrived, chunk by chunk, until the end or a failure.
pub(super) fn follow(t: &Transfer<'_>, cache: &Cache) -> Done {
    let mut buf = vec![0u8; 1 << 20];
    let mut state = std::mem::replace(&mut *lock(&t.hash), HashState::new(None));
    let mut saved_at = 0u64;
    while state.cursor < t.job.size {
        let Some(p) = t
            .parts
            .iter()
            .find(|p| p.start <= state.cursor && state.cursor < p.end)
        else {
            break;
        };
        let before = state.cursor;
        // the chunk as it arrived, when it waits in memory
        let waiting = {
            let mut ready = lock(&t.ready);
            // chunks read back meanwhile: their buffers go back
            let behind: Vec<u64> = ready.range(..=state.cursor).map(|(k, _)| *k).collect();
            let mut spare = lock(&t.spare);
            let mut taken = None;
            for k in behind {
                if let Some(b) = ready.remove(&k) {
                    if k == state.cursor {
                        taken = Some(b);
                    } else {
                        spare.push(b);
                    }
                }
            }
            drop(spare);
            drop(ready);
            if let Some(bytes) = taken {
                state.update(&bytes[..p.len() as usize]);
                lock(&t.spare).push(bytes);
                continue;
            }
            p.in_memory.load(Ordering::Acquire) && state.cursor == p.start
        };
        // else what is written, unless the chunk comes to memory whole
        if !waiting {
            if let Err(error) = read_back(t, &mut state, &mut buf, p.end) {
                t.fail(t.io_error(error));
            }
        }
        if t.failed() {
            break;
        }
        if state.cursor >= saved_at + (256 << 20) {
            resume::save(t, cache);
            saved_at = state.cursor;
        }
        if state.cursor == before {
            let guard = lock(&t.progress.0);
            let _ = t.progress.1.wait_timeout(guard, Duration::from_millis(10));
        }
    }
    if t.failed() {
        resume::save(t, cache);
    } else {
        resume::forget(t, cache);
    }
    outcome(t, state)
}
