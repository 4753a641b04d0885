//! `fetch`: the locked files of `hf:` and `ollama:` models, downloaded into
//! the Hugging Face cache, Ollama's store or a directory, each verified
//! against the lock before it appears under its name. Files already there
//! are checked with `verify`'s engine (and its stat cache), not downloaded
//! again.

pub mod findings;
pub mod layout;
pub mod transfer;

use crate::lock::{LockedFile, LockedModel};
use crate::source::download::{Located, Remote};
use crate::source::{Context, Failure, Source};
use crate::verify::{self, locate::Place, Status as Checked};
use layout::Layout;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// What `fetch` is asked to do.
pub struct Options<'a> {
    /// Connections at once (and files hashed at once).
    pub jobs: usize,
    /// A directory to fetch into instead of the caches.
    pub dir: Option<&'a Path>,
    /// The manifest's directory (`path:` sources are relative to it).
    pub manifest_dir: &'a Path,
}

/// How progress is shown.
pub trait Progress: Sync {
    /// `bytes` of files already there are about to be checked.
    fn checking(&self, bytes: u64);
    /// `bytes` are about to be downloaded.
    fn downloading(&self, bytes: u64);
    /// `n` more bytes checked or downloaded.
    fn advance(&self, n: u64);
}

/// What became of one locked file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// It was there, as locked.
    Present,
    /// Its blob was there (another revision has it): linked into place.
    Linked,
    Fetched,
    Failed,
}

#[derive(Clone, Debug)]
pub struct FileOutcome {
    pub model: String,
    pub file: LockedFile,
    /// Where the file is (or would be) for its users.
    pub location: PathBuf,
    pub status: Status,
}

/// Why a model (or one of its files) could not be fetched.
#[derive(Debug)]
pub enum Problem {
    /// The source refused or failed (gated, not found, network…).
    Source { model: String, failure: Failure },
    /// The source served other bytes than the locked ones.
    Mismatch {
        model: String,
        path: String,
        expected: (String, u64),
        /// The sha256 and size received (or announced).
        received: (Option<String>, Option<u64>),
        url: String,
    },
    /// The cache, store or directory could not be written.
    Io {
        model: String,
        path: PathBuf,
        error: std::io::Error,
    },
}

pub struct Outcome {
    pub files: Vec<FileOutcome>,
    pub problems: Vec<Problem>,
    /// Bytes downloaded.
    pub downloaded: u64,
}

/// One model being fetched.
struct Model<'a> {
    locked: &'a LockedModel,
    source: Source,
    layout: Layout,
}

/// One file that is not there yet.
struct Needed<'m> {
    model: usize,
    file: &'m LockedFile,
}

/// Fetches the locked files of `models` (`hf:` and `ollama:` ones; others
/// are skipped), reporting progress.
pub fn fetch(
    models: &[&LockedModel],
    cx: &Context,
    opts: &Options<'_>,
    progress: &dyn Progress,
) -> Outcome {
    let several = models.len() > 1;
    let prepared: Vec<Model> = models
        .iter()
        .filter_map(|m| {
            let source = Source::parse(&m.source).ok()?;
            let dir = opts.dir.map(|d| {
                if several {
                    d.join(&m.name)
                } else {
                    d.to_owned()
                }
            });
            let layout = Layout::new(m, &source, &cx.env, dir.as_deref())?;
            Some(Model {
                locked: m,
                source,
                layout,
            })
        })
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .ok();
    let mut out = Outcome {
        files: Vec::new(),
        problems: Vec::new(),
        downloaded: 0,
    };

    // 1. what is there already, checked as `verify` checks it
    let mut needed: Vec<Needed> = Vec::new();
    let mut items = Vec::new();
    for (i, m) in prepared.iter().enumerate() {
        let dir = match &m.layout {
            Layout::Dir { root, .. } => Some(root.as_path()),
            _ => None,
        };
        let places = verify::locate::places(m.locked, &m.source, &cx.env, opts.manifest_dir, dir);
        for (file, place) in m.locked.files.iter().zip(places) {
            match place {
                Place::File(p) => items.push((i, file, p)),
                _ => needed.push(Needed { model: i, file }),
            }
        }
    }
    progress.checking(items.iter().map(|(_, f, _)| f.size).sum());
    let checked: Vec<(usize, &LockedFile, PathBuf, bool)> = in_pool(&pool, || {
        items
            .par_iter()
            .map(|(i, f, p)| {
                let status = verify::check_one(f, p, &cx.cache, false, &|n| progress.advance(n));
                (
                    *i,
                    *f,
                    p.clone(),
                    matches!(status, Checked::Ok | Checked::OkCached),
                )
            })
            .collect()
    });
    for (i, file, path, ok) in checked {
        if ok {
            out.files
                .push(outcome(&prepared[i], file, path, Status::Present));
        } else {
            needed.push(Needed { model: i, file });
        }
    }

    // 2. where the others are; blobs another revision already has
    let remotes: Vec<Option<Remote>> = prepared
        .iter()
        .map(|m| m.source.remote(cx, &m.locked.revision))
        .collect();
    let mut failed_models = vec![false; prepared.len()];
    for n in &needed {
        if failed_models[n.model] {
            continue;
        }
        if let Some(Err(failure)) = remotes[n.model].as_ref().map(Remote::online) {
            fail_model(
                &mut out,
                &mut failed_models,
                n.model,
                &prepared[n.model],
                failure,
            );
        }
    }
    needed.retain(|n| !failed_models[n.model]);
    let located: Vec<Option<Result<Located, Failure>>> = in_pool(&pool, || {
        needed
            .par_iter()
            .map(|n| remotes[n.model].as_ref().map(|r| r.locate(n.file)))
            .collect()
    });
    let mut jobs = Vec::new();
    let mut pending = Vec::new();
    for (n, loc) in needed.iter().zip(located) {
        let m = &prepared[n.model];
        if failed_models[n.model] {
            continue;
        }
        let loc = match loc {
            Some(Ok(l)) => l,
            None => continue,
            Some(Err(failure)) => {
                fail_model(&mut out, &mut failed_models, n.model, m, failure);
                continue;
            }
        };
        // announced as other bytes: refused before any is downloaded
        let announced_other = loc.size.is_some_and(|s| s != n.file.size)
            || loc
                .etag
                .as_deref()
                .is_some_and(|e| e.len() == 64 && e != n.file.sha256);
        if announced_other {
            out.problems.push(Problem::Mismatch {
                model: m.locked.name.clone(),
                path: n.file.path.clone(),
                expected: (n.file.sha256.clone(), n.file.size),
                received: (loc.etag.clone().filter(|e| e.len() == 64), loc.size),
                url: crate::net::redact(&loc.url),
            });
            out.files.push(outcome(
                m,
                n.file,
                m.layout.location(n.file, &n.file.sha256),
                Status::Failed,
            ));
            continue;
        }
        // an LFS file's blob is named by its sha256; a git file's by its
        // git blob id (the etag), checked as it is downloaded
        let git_id = loc
            .etag
            .as_deref()
            .filter(|e| e.len() == 40)
            .map(str::to_owned);
        let id = git_id.clone().unwrap_or_else(|| n.file.sha256.clone());
        if let Layout::Hf { .. } = m.layout {
            let blob = m.layout.blob(n.file, &id);
            if blob.is_file()
                && matches!(
                    verify::check_one(n.file, &blob, &cx.cache, false, &|_| {}),
                    Checked::Ok | Checked::OkCached
                )
            {
                pending.push((n.model, n.file, None::<usize>, id, false));
                continue;
            }
        }
        let incomplete = m.layout.incomplete(n.file, &id);
        if let Err(error) = m
            .layout
            .prepare(&incomplete)
            .and_then(|()| m.layout.prepare(&m.layout.blob(n.file, &id)))
        {
            out.problems.push(Problem::Io {
                model: m.locked.name.clone(),
                path: incomplete,
                error,
            });
            out.files.push(outcome(
                m,
                n.file,
                m.layout.location(n.file, &id),
                Status::Failed,
            ));
            continue;
        }
        let Some(remote) = &remotes[n.model] else {
            continue;
        };
        pending.push((n.model, n.file, Some(jobs.len()), id, git_id.is_some()));
        jobs.push(transfer::Job {
            http: remote.http(),
            url: loc.url,
            size: n.file.size,
            git_id: git_id.is_some(),
            incomplete,
        });
    }

    // 3. the downloads
    let incompletes: Vec<PathBuf> = jobs.iter().map(|j| j.incomplete.clone()).collect();
    progress.downloading(jobs.iter().map(|j| j.size).sum());
    let downloaded = std::sync::atomic::AtomicU64::new(0);
    let done = transfer::run_all(jobs, opts.jobs, &cx.cache, &|n| {
        downloaded.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        progress.advance(n);
    });
    out.downloaded = downloaded.into_inner();
    let mut done: Vec<Option<transfer::Done>> = done.into_iter().map(Some).collect();

    // 4. verified files into place; the models' refs and manifests
    let mut placed: Vec<Vec<(&LockedFile, String)>> = vec![Vec::new(); prepared.len()];
    for (model, file, job, mut id, git) in pending {
        let m = &prepared[model];
        let fresh = job.is_some();
        if let Some(j) = job {
            let incomplete = &incompletes[j];
            match done[j].take() {
                Some(transfer::Done::Complete { sha256, git_id }) if sha256 == file.sha256 => {
                    if git {
                        id = git_id.unwrap_or(id);
                    }
                    let blob = m.layout.blob(file, &id);
                    if let Err(error) = std::fs::rename(incomplete, &blob) {
                        fail_io(&mut out, m, file, blob, error);
                        continue;
                    }
                    verify::remember(&cx.cache, &blob, &file.sha256);
                }
                Some(transfer::Done::Complete { sha256, .. }) => {
                    let _ = std::fs::remove_file(incomplete);
                    out.problems.push(Problem::Mismatch {
                        model: m.locked.name.clone(),
                        path: file.path.clone(),
                        expected: (file.sha256.clone(), file.size),
                        received: (Some(sha256), Some(file.size)),
                        url: remotes[model]
                            .as_ref()
                            .map(|r| crate::net::redact(&r.url(file)))
                            .unwrap_or_default(),
                    });
                    out.files.push(outcome(
                        m,
                        file,
                        m.layout.location(file, &id),
                        Status::Failed,
                    ));
                    continue;
                }
                Some(transfer::Done::Io { path, error }) => {
                    fail_io(&mut out, m, file, path, error);
                    continue;
                }
                other => {
                    let Some(remote) = &remotes[model] else {
                        continue;
                    };
                    let failure = match other {
                        Some(transfer::Done::Refused { status, headers }) => {
                            remote.refusal(file, status, headers)
                        }
                        Some(transfer::Done::Network(e)) => remote.network(e),
                        Some(transfer::Done::Unexpected(why)) => Failure::new(
                            crate::diag::Code::SourceUnexpectedResponse,
                            format!("downloading `{}` of {}: {why}", file.path, m.source),
                            "check HF_ENDPOINT or the registry host; run fetch again to resume",
                        ),
                        _ => continue,
                    };
                    out.files.push(outcome(
                        m,
                        file,
                        m.layout.location(file, &id),
                        Status::Failed,
                    ));
                    fail_model(&mut out, &mut failed_models, model, m, failure);
                    continue;
                }
            }
        }
        match m.layout.place(file, &id, fresh) {
            Ok(location) => {
                if !matches!(m.layout, Layout::Hf { .. }) || !fresh {
                    verify::remember(&cx.cache, &location, &file.sha256);
                }
                let status = if fresh {
                    Status::Fetched
                } else {
                    Status::Linked
                };
                out.files.push(FileOutcome {
                    model: m.locked.name.clone(),
                    file: file.clone(),
                    location,
                    status,
                });
                placed[model].push((file, id));
            }
            Err(error) => fail_io(&mut out, m, file, m.layout.location(file, &id), error),
        }
    }
    for (i, m) in prepared.iter().enumerate() {
        let all_there = out
            .files
            .iter()
            .filter(|f| f.model == m.locked.name)
            .all(|f| f.status != Status::Failed);
        if failed_models[i] || !all_there {
            continue;
        }
        let manifest = if matches!(m.layout, Layout::Ollama { .. })
            && !m.layout.manifest_current(&m.locked.revision)
        {
            match remotes[i].as_ref().map(Remote::manifest) {
                Some(Ok(bytes)) => bytes,
                Some(Err(failure)) => {
                    fail_model(&mut out, &mut failed_models, i, m, failure);
                    continue;
                }
                None => None,
            }
        } else {
            None
        };
        if let Err(error) = m.layout.finish(manifest.as_deref(), &placed[i]) {
            out.problems.push(Problem::Io {
                model: m.locked.name.clone(),
                path: m.layout.root().to_owned(),
                error,
            });
            failed_models[i] = true;
        }
    }
    // every locked file has an outcome: those of a model that failed
    // before they were tried, too
    let have: std::collections::HashSet<(String, String)> = out
        .files
        .iter()
        .map(|f| (f.model.clone(), f.file.path.clone()))
        .collect();
    for m in &prepared {
        for f in &m.locked.files {
            if !have.contains(&(m.locked.name.clone(), f.path.clone())) {
                let location = m.layout.location(f, &f.sha256);
                out.files.push(outcome(m, f, location, Status::Failed));
            }
        }
    }
    out.files
        .sort_by(|a, b| (&a.model, &a.file.path).cmp(&(&b.model, &b.file.path)));
    out
}

/// Runs `f` in the pool (its threads are the parallelism of `par_iter`).
fn in_pool<R: Send>(pool: &Option<rayon::ThreadPool>, f: impl FnOnce() -> R + Send) -> R {
    match pool {
        Some(p) => p.install(f),
        None => f(),
    }
}

fn outcome(m: &Model<'_>, file: &LockedFile, location: PathBuf, status: Status) -> FileOutcome {
    FileOutcome {
        model: m.locked.name.clone(),
        file: file.clone(),
        location,
        status,
    }
}

/// A model that cannot be fetched: one problem, reported once.
fn fail_model(out: &mut Outcome, failed: &mut [bool], i: usize, m: &Model<'_>, failure: Failure) {
    if !failed[i] {
        out.problems.push(Problem::Source {
            model: m.locked.name.clone(),
            failure,
        });
    }
    failed[i] = true;
}

/// A file that could not be written where it goes.
fn fail_io(
    out: &mut Outcome,
    m: &Model<'_>,
    file: &LockedFile,
    path: PathBuf,
    error: std::io::Error,
) {
    out.files
        .push(outcome(m, file, path.clone(), Status::Failed));
    out.problems.push(Problem::Io {
        model: m.locked.name.clone(),
        path,
        error,
    });
}
