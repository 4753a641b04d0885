//! `verify`: prove that the files on disk are the locked ones. Sizes are
//! compared first (cheap), then every file is hashed on all cores, unless
//! the stat cache shows it unchanged since it last hashed.

pub mod findings;
pub mod locate;
pub mod pickle;
mod statcache;

use crate::cache::Cache;
use crate::diag::{Diag, FileId};
use crate::env::Env;
use crate::hashing::hash_file;
use crate::lock::{Lock, LockedFile, LockedModel};
use crate::source::Source;
use locate::Place;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The locked files of some models, found on disk.
#[derive(Default)]
pub struct Located {
    pub items: Vec<Item>,
    /// Models that cannot be checked (an invalid source, another revision).
    pub diags: Vec<Diag>,
    /// How to get each model's locked files, by model name.
    pub fetch: HashMap<String, String>,
}

/// Finds every locked file of `models`: in `dir` (`dir/<model>` for
/// several models) or where the source keeps it (the HF cache, the Ollama
/// store, the directory).
pub fn locate_all(
    models: &[&LockedModel],
    lock_file: FileId,
    env: &Env,
    manifest_dir: &Path,
    dir: Option<&Path>,
) -> Located {
    let several = models.len() > 1;
    let mut out = Located::default();
    for m in models {
        let Ok(source) = Source::parse(&m.source) else {
            out.diags.push(findings::invalid_source(m, lock_file));
            continue;
        };
        let fetch = source.fetch_hint(&m.revision, &m.name);
        out.fetch.insert(m.name.clone(), fetch.clone());
        let dir = dir.map(|d| {
            if several {
                d.join(&m.name)
            } else {
                d.to_owned()
            }
        });
        match locate::locate(m, &source, env, manifest_dir, dir.as_deref()) {
            locate::Located::WrongRevision { root, present } => out.diags.push(
                findings::wrong_revision(m, &root, &present, lock_file, fetch),
            ),
            locate::Located::Files(places) => {
                for (file, place) in m.files.iter().cloned().zip(places) {
                    out.items.push(Item {
                        model: m.name.clone(),
                        file,
                        place,
                    });
                }
            }
        }
    }
    out
}

/// The findings of checked files: one per file not as locked, one per
/// model for its missing files.
pub fn findings(
    results: &[FileResult],
    lock: &Lock,
    lock_file: FileId,
    fetch: &HashMap<String, String>,
) -> Vec<Diag> {
    let span = |model: &str| lock.model(model).and_then(|m| m.span.clone());
    let hint = |model: &str| fetch.get(model).cloned().unwrap_or_default();
    let mut diags = Vec::new();
    let mut missing: BTreeMap<&str, Vec<&FileResult>> = BTreeMap::new();
    for r in results {
        if matches!(r.status, Status::Missing | Status::Incomplete) {
            missing.entry(&r.model).or_default().push(r);
        } else {
            diags.extend(findings::file(
                r,
                &hint(&r.model),
                lock_file,
                span(&r.model),
            ));
        }
    }
    for (model, absent) in &missing {
        diags.push(findings::missing(
            model,
            absent,
            &hint(model),
            lock_file,
            span(model),
        ));
    }
    diags
}

/// Remembers that the file at `path`, as it is now, has this sha256 (a file
/// hashed as it was written), so that `verify` need not read it again.
pub fn remember(cache: &Cache, path: &Path, sha256: &str) {
    if let Some(key) = statcache::stat_key(path) {
        statcache::record(cache, &key, sha256);
    }
}

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

/// Checks one file at `path` against its locked size and sha256 (the stat
/// cache first, unless `rehash`).
pub fn check_one(
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

/// `verify::unsafe-pickle` for each pickle-based file on disk, as locked,
/// whose pickles import globals a weights file does not need. What a file
/// imports is read once per sha256 (the metadata cache keeps it).
pub fn pickle_findings(
    results: &[FileResult],
    lock: &crate::lock::Lock,
    lock_file: crate::diag::FileId,
    cache: &Cache,
) -> Vec<crate::diag::Diag> {
    use crate::diag::{Code, Diag};
    use crate::source::format::Class;
    let inspected: Vec<(&FileResult, Vec<pickle::Import>)> = results
        .par_iter()
        .filter(|r| matches!(r.status, Status::Ok | Status::OkCached))
        .filter(|r| r.file.class() == Class::Pickle)
        .filter_map(|r| {
            let imports = match cache.get::<Vec<pickle::Import>>("pickle-imports", &r.file.sha256) {
                Some(i) => i,
                None => {
                    let i = pickle::inspect(&r.location).ok()?;
                    cache.put("pickle-imports", &r.file.sha256, &i);
                    i
                }
            };
            Some((r, imports))
        })
        .collect();
    let mut out = Vec::new();
    for (r, imports) in inspected {
        let bad: Vec<&pickle::Import> = imports.iter().filter(|i| !i.allowed()).collect();
        if bad.is_empty() {
            continue;
        }
        let listed: Vec<String> = bad
            .iter()
            .map(|i| {
                if i.dangerous() {
                    format!("{} (dangerous)", i.shown())
                } else {
                    i.shown()
                }
            })
            .collect();
        let span = lock.model(&r.model).and_then(|m| m.span.clone());
        out.push(
            Diag::error(
                Code::VerifyUnsafePickle,
                format!(
                    "`{}` of `{}` imports {} when it is unpickled ({})",
                    r.file.path,
                    r.model,
                    listed.join(", "),
                    r.location.display()
                ),
            )
            .with_model(r.model.clone())
            .with_label(lock_file, span, format!("locked `{}`", r.file.path))
            .with_help("a weights file needs only tensor storages and their rebuilders: do not load it (torch.load with weights_only=False, pickle); use the model's safetensors weights, and tell the repo's owner"),
        );
    }
    out
}
