//! `verify`: prove that the files on disk are the locked ones. Sizes are
//! compared first (cheap), then every file is hashed on all cores, unless
//! the stat cache shows it unchanged since it last hashed.

pub mod locate;
mod statcache;

use crate::cache::Cache;
use crate::hashing::hash_file;
use crate::lock::LockedFile;
use locate::Place;
use rayon::prelude::*;
use std::path::PathBuf;

/// The outcome for one locked file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Unchanged since it last hashed to the locked sha256.
    OkCached,
    Missing,
    Incomplete,
    SizeMismatch {
        actual: u64,
    },
    HashMismatch {
        actual: String,
    },
    Escapes {
        target: PathBuf,
    },
    Unreadable {
        error: String,
    },
}

/// One locked file to check, and where it is.
#[derive(Clone, Debug)]
pub struct Item {
    pub model: String,
    pub file: LockedFile,
    pub place: Place,
}

#[derive(Clone, Debug)]
pub struct FileResult {
    pub model: String,
    pub file: LockedFile,
    pub location: PathBuf,
    pub status: Status,
}

/// Checks files against the lock. `on_bytes` is called as bytes are hashed
/// (for a progress bar).
pub fn check_files(
    items: Vec<Item>,
    cache: &Cache,
    rehash: bool,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Vec<FileResult> {
    // biggest first, so one huge file does not start last
    let mut items = items;
    items.sort_by_key(|i| std::cmp::Reverse(i.file.size));
    let mut results: Vec<FileResult> = items
        .into_par_iter()
        .map(|Item { model, file, place }| {
            let (location, status) = match place {
                Place::Missing(p) => (p, Status::Missing),
                Place::Incomplete(p) => (p, Status::Incomplete),
                Place::NotAFile(p) => (
                    p,
                    Status::Unreadable {
                        error: "not a regular file".into(),
                    },
                ),
                Place::Unreadable(p, error) => (p, Status::Unreadable { error }),
                Place::Escapes { link, target } => (link, Status::Escapes { target }),
                Place::File(p) => {
                    let status = check_one(&file, &p, cache, rehash, on_bytes);
                    (p, status)
                }
            };
            FileResult {
                model,
                file,
                location,
                status,
            }
        })
        .collect();
    results.sort_by(|a, b| (&a.model, &a.file.path).cmp(&(&b.model, &b.file.path)));
    results
}

fn check_one(
    file: &LockedFile,
    path: &std::path::Path,
    cache: &Cache,
    rehash: bool,
    on_bytes: &(dyn Fn(u64) + Sync),
) -> Status {
    let size = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) => {
            return Status::Unreadable {
                error: e.to_string(),
            }
        }
    };
    if size != file.size {
        on_bytes(file.size);
        return Status::SizeMismatch { actual: size };
    }
    let key = statcache::stat_key(path);
    if !rehash {
        if let Some(sha) = key.as_deref().and_then(|k| statcache::lookup(cache, k)) {
            on_bytes(size);
            return if sha == file.sha256 {
                Status::OkCached
            } else {
                Status::HashMismatch { actual: sha }
            };
        }
    }
    let (read, sha) = match hash_file(path) {
        Ok(r) => r,
        Err(e) => {
            return Status::Unreadable {
                error: e.to_string(),
            }
        }
    };
    on_bytes(size);
    // record only what was hashed from an unchanged file
    if let Some(k) = key {
        if read == size && statcache::stat_key(path).as_deref() == Some(k.as_str()) {
            statcache::record(cache, &k, &sha);
        }
    }
    if read != file.size {
        Status::SizeMismatch { actual: read }
    } else if sha == file.sha256 {
        Status::Ok
    } else {
        Status::HashMismatch { actual: sha }
    }
}
