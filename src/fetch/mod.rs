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
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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

/// How a file that is not in place gets there.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Get {
    /// Its blob is there already (another revision has it).
    Reuse,
    /// Download job `j`.
    Download(usize),
    /// The blob job `j` downloads for another entry (two models of one
    /// repo; Ollama layers two models share).
    Share(usize),
}

/// A file to put in place.
struct Pending<'m> {
    model: usize,
    file: &'m LockedFile,
    get: Get,
    /// Its blob's name (the Hub's etag; for a git file, confirmed by the
    /// download).
    id: String,
    /// The blob is named by its git blob id, computed as it downloads.
    git: bool,
}

/// A fetch in progress: the models, their remotes, what happened so far.
struct Run<'a, 'c> {
    cx: &'c Context,
    models: Vec<Model<'a>>,
    remotes: Vec<Option<Remote<'c>>>,
    failed: Vec<bool>,
    out: Outcome,
    /// The blob names of the files put in place, by model.
    placed: Vec<Vec<(&'a LockedFile, String)>>,
    pool: Option<rayon::ThreadPool>,
}

/// Fetches the locked files of `models` (`hf:` and `ollama:` ones; others
/// are skipped), reporting progress.
pub fn fetch<'c>(
    models: &[&LockedModel],
    cx: &'c Context,
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
    let remotes: Vec<Option<Remote<'c>>> = prepared
        .iter()
        .map(|m| m.source.remote(cx, &m.locked.revision))
        .collect();
    let mut run = Run {
        cx,
        failed: vec![false; prepared.len()],
        placed: vec![Vec::new(); prepared.len()],
        models: prepared,
        remotes,
        out: Outcome {
            files: Vec::new(),
            problems: Vec::new(),
            downloaded: 0,
        },
        pool: rayon::ThreadPoolBuilder::new()
            .num_threads(opts.jobs)
            .build()
            .ok(),
    };
    let needed = run.check_present(opts, progress);
    let needed = run.go_online(needed);
    let (pending, jobs) = run.plan(needed);
    let done = run.download(jobs, opts.jobs, progress);
    run.place_all(pending, done);
    run.finish_models();
    run.account_for_every_file();
    run.out
}

impl<'a, 'c> Run<'a, 'c> {
    fn in_pool<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match &self.pool {
            Some(p) => p.install(f),
            None => f(),
        }
    }

    fn push(&mut self, model: usize, file: &LockedFile, location: PathBuf, status: Status) {
        self.out.files.push(FileOutcome {
            model: self.models[model].locked.name.clone(),
            file: file.clone(),
            location,
            status,
        });
    }

    /// A model that cannot be fetched: one problem, reported once.
    fn fail_model(&mut self, model: usize, failure: Failure) {
        if !self.failed[model] {
            self.out.problems.push(Problem::Source {
                model: self.models[model].locked.name.clone(),
                failure,
            });
        }
        self.failed[model] = true;
    }

    /// A file that could not be written where it goes.
    fn fail_io(&mut self, model: usize, file: &LockedFile, path: PathBuf, error: std::io::Error) {
        self.push(model, file, path.clone(), Status::Failed);
        self.out.problems.push(Problem::Io {
            model: self.models[model].locked.name.clone(),
            path,
            error,
        });
    }

    /// First, the files that are there already, checked as `verify` checks
    /// them (sizes, then hashes through the stat cache); the others.
    fn check_present(
        &mut self,
        opts: &Options<'_>,
        progress: &dyn Progress,
    ) -> Vec<(usize, &'a LockedFile)> {
        let mut needed = Vec::new();
        let mut items = Vec::new();
        for (i, m) in self.models.iter().enumerate() {
            let dir = match &m.layout {
                Layout::Dir { root, .. } => Some(root.as_path()),
                _ => None,
            };
            let places =
                verify::locate::places(m.locked, &m.source, &self.cx.env, opts.manifest_dir, dir);
            for (file, place) in m.locked.files.iter().zip(places) {
                match place {
                    Place::File(p) => items.push((i, file, p)),
                    _ => needed.push((i, file)),
                }
            }
        }
        progress.checking(items.iter().map(|(_, f, _)| f.size).sum());
        let cache = &self.cx.cache;
        let checked: Vec<bool> = self.in_pool(|| {
            items
                .par_iter()
                .map(|(_, f, p)| {
                    let status = verify::check_one(f, p, cache, false, &|n| progress.advance(n));
                    matches!(status, Checked::Ok | Checked::OkCached)
                })
                .collect()
        });
        for ((i, file, path), ok) in items.into_iter().zip(checked) {
            if ok {
                self.push(i, file, path, Status::Present);
            } else {
                needed.push((i, file));
            }
        }
        needed
    }

    /// Then the models that need the network and may not have it
    /// (`HF_HUB_OFFLINE`) fail; the rest go on.
    fn go_online(&mut self, needed: Vec<(usize, &'a LockedFile)>) -> Vec<(usize, &'a LockedFile)> {
        for &(i, _) in &needed {
            if self.failed[i] {
                continue;
            }
            if let Some(Err(failure)) = self.remotes[i].as_ref().map(Remote::online) {
                self.fail_model(i, failure);
            }
        }
        needed
            .into_iter()
            .filter(|(i, _)| !self.failed[*i])
            .collect()
    }

    /// Then where each missing file is (concurrent `HEAD`s); files announced
    /// as other bytes are refused before any byte is downloaded; blobs
    /// already there are reused; the rest become download jobs, one per
    /// blob.
    fn plan(
        &mut self,
        needed: Vec<(usize, &'a LockedFile)>,
    ) -> (Vec<Pending<'a>>, Vec<transfer::Job<'c>>) {
        let remotes = &self.remotes;
        let located: Vec<Option<Result<Located, Failure>>> = self.in_pool(|| {
            needed
                .par_iter()
                .map(|(i, f)| remotes[*i].as_ref().map(|r| r.locate(f)))
                .collect()
        });
        let mut jobs: Vec<transfer::Job<'c>> = Vec::new();
        let mut by_blob: HashMap<PathBuf, usize> = HashMap::new();
        let mut pending = Vec::new();
        for ((i, file), loc) in needed.into_iter().zip(located) {
            if self.failed[i] {
                continue;
            }
            let loc = match loc {
                Some(Ok(l)) => l,
                None => continue,
                Some(Err(failure)) => {
                    self.fail_model(i, failure);
                    continue;
                }
            };
            let layout = &self.models[i].layout;
            // announced as other bytes: refused before any is downloaded
            let other_size = loc.size.filter(|s| *s != file.size);
            let other_sha = loc
                .etag
                .clone()
                .filter(|e| e.len() == 64 && *e != file.sha256);
            if other_size.is_some() || other_sha.is_some() {
                self.out.problems.push(Problem::Mismatch {
                    model: self.models[i].locked.name.clone(),
                    path: file.path.clone(),
                    expected: (file.sha256.clone(), file.size),
                    received: (other_sha, loc.size),
                    url: crate::net::redact(&loc.url),
                });
                let location = layout.location(file, &file.sha256);
                self.push(i, file, location, Status::Failed);
                continue;
            }
            // an LFS file's blob is named by its sha256; a git file's by
            // its git blob id (the etag), confirmed as it downloads
            let git_id = loc.etag.filter(|e| e.len() == 40);
            let git = git_id.is_some();
            let id = git_id.unwrap_or_else(|| file.sha256.clone());
            let blob = layout.blob(file, &id);
            if let Some(&j) = by_blob.get(&blob) {
                pending.push(Pending {
                    model: i,
                    file,
                    get: Get::Share(j),
                    id,
                    git,
                });
                continue;
            }
            let reusable = matches!(layout, Layout::Hf { .. })
                && blob.is_file()
                && matches!(
                    verify::check_one(file, &blob, &self.cx.cache, false, &|_| {}),
                    Checked::Ok | Checked::OkCached
                );
            if reusable {
                pending.push(Pending {
                    model: i,
                    file,
                    get: Get::Reuse,
                    id,
                    git: false,
                });
                continue;
            }
            let incomplete = layout.incomplete(file, &id);
            if let Err(error) = layout
                .prepare(&incomplete)
                .and_then(|()| layout.prepare(&blob))
            {
                self.fail_io(i, file, incomplete, error);
                continue;
            }
            let Some(remote) = &self.remotes[i] else {
                continue;
            };
            by_blob.insert(blob, jobs.len());
            pending.push(Pending {
                model: i,
                file,
                get: Get::Download(jobs.len()),
                id,
                git,
            });
            jobs.push(transfer::Job {
                http: remote.http(),
                url: loc.url,
                relocate: Some({
                    let (remote, file) = (remote.clone(), file.clone());
                    Box::new(move || remote.locate(&file).ok().map(|l| l.url))
                }),
                size: file.size,
                git_id: git,
                incomplete,
            });
        }
        (pending, jobs)
    }

    /// Then the downloads, `connections` at once.
    fn download(
        &mut self,
        jobs: Vec<transfer::Job<'c>>,
        connections: usize,
        progress: &dyn Progress,
    ) -> Vec<(PathBuf, Option<transfer::Done>)> {
        let incompletes: Vec<PathBuf> = jobs.iter().map(|j| j.incomplete.clone()).collect();
        progress.downloading(jobs.iter().map(|j| j.size).sum());
        let downloaded = AtomicU64::new(0);
        let done = transfer::run_all(jobs, connections, &self.cx.cache, &|n| {
            downloaded.fetch_add(n, Ordering::Relaxed);
            progress.advance(n);
        });
        self.out.downloaded = downloaded.into_inner();
        incompletes
            .into_iter()
            .zip(done.into_iter().map(Some))
            .collect()
    }

    /// Then each verified download renamed to its blob, and every file put
    /// where its users read it; a download that is not the locked bytes is
    /// deleted.
    fn place_all(
        &mut self,
        pending: Vec<Pending<'a>>,
        mut done: Vec<(PathBuf, Option<transfer::Done>)>,
    ) {
        // a job whose blob is in place, by job: the blob's name
        let mut landed: HashMap<usize, String> = HashMap::new();
        let shared: HashSet<usize> = pending
            .iter()
            .filter_map(|p| match p.get {
                Get::Share(j) => Some(j),
                _ => None,
            })
            .collect();
        for p in pending {
            let (i, file) = (p.model, p.file);
            let mut id = p.id;
            let fresh = match p.get {
                Get::Reuse => false,
                Get::Share(j) => match landed.get(&j) {
                    Some(name) => {
                        id = name.clone();
                        false
                    }
                    None => {
                        let location = self.models[i].layout.location(file, &id);
                        self.push(i, file, location, Status::Failed);
                        continue;
                    }
                },
                Get::Download(j) => {
                    let (incomplete, result) = &mut done[j];
                    match self.land(i, file, incomplete, result.take(), p.git, &id) {
                        Some(name) => {
                            id = name;
                            landed.insert(j, id.clone());
                            // a blob another entry links to stays a blob
                            !shared.contains(&j)
                        }
                        None => continue,
                    }
                }
            };
            match self.models[i].layout.place(file, &id, fresh) {
                Ok(location) => {
                    verify::remember(&self.cx.cache, &location, &file.sha256);
                    self.placed[i].push((file, id.clone()));
                    let status = match p.get {
                        Get::Download(_) => Status::Fetched,
                        _ => Status::Linked,
                    };
                    self.push(i, file, location, status);
                }
                Err(error) => {
                    let location = self.models[i].layout.location(file, &id);
                    self.fail_io(i, file, location, error);
                }
            }
        }
    }

    /// A download's end: the verified file renamed to its blob (its name
    /// returned), or what went wrong recorded.
    fn land(
        &mut self,
        i: usize,
        file: &LockedFile,
        incomplete: &Path,
        result: Option<transfer::Done>,
        git: bool,
        id: &str,
    ) -> Option<String> {
        let layout = &self.models[i].layout;
        let failure = match result {
            Some(transfer::Done::Complete { sha256, git_id }) if sha256 == file.sha256 => {
                let name = if git {
                    git_id.unwrap_or_else(|| id.to_owned())
                } else {
                    id.to_owned()
                };
                let blob = layout.blob(file, &name);
                return match std::fs::rename(incomplete, &blob) {
                    Ok(()) => Some(name),
                    Err(error) => {
                        self.fail_io(i, file, blob, error);
                        None
                    }
                };
            }
            Some(transfer::Done::Complete { sha256, .. }) => {
                let _ = std::fs::remove_file(incomplete);
                let url = self.remotes[i]
                    .as_ref()
                    .map(|r| crate::net::redact(&r.url(file)))
                    .unwrap_or_default();
                self.out.problems.push(Problem::Mismatch {
                    model: self.models[i].locked.name.clone(),
                    path: file.path.clone(),
                    expected: (file.sha256.clone(), file.size),
                    received: (Some(sha256), Some(file.size)),
                    url,
                });
                let location = layout.location(file, id);
                self.push(i, file, location, Status::Failed);
                return None;
            }
            Some(transfer::Done::Io { path, error }) => {
                self.fail_io(i, file, path, error);
                return None;
            }
            Some(transfer::Done::Refused { status, headers }) => self.remotes[i]
                .as_ref()
                .map(|r| r.refusal(file, status, headers)),
            Some(transfer::Done::Network(e)) => self.remotes[i].as_ref().map(|r| r.network(e)),
            Some(transfer::Done::Unexpected(why)) => Some(Failure::new(
                crate::diag::Code::SourceUnexpectedResponse,
                format!(
                    "downloading `{}` of {}: {why}",
                    file.path, self.models[i].source
                ),
                "check HF_ENDPOINT or the registry host; run fetch again to go on where it stopped",
            )),
            None => None,
        };
        let location = layout.location(file, id);
        self.push(i, file, location, Status::Failed);
        if let Some(f) = failure {
            self.fail_model(i, f);
        }
        None
    }

    /// Last, for each model with every file in place: `refs/`, Ollama's
    /// manifest, a directory's download metadata.
    fn finish_models(&mut self) {
        for i in 0..self.models.len() {
            let name = &self.models[i].locked.name;
            let complete = self
                .out
                .files
                .iter()
                .filter(|f| &f.model == name)
                .all(|f| f.status != Status::Failed);
            if self.failed[i] || !complete {
                continue;
            }
            let m = &self.models[i];
            let manifest = if matches!(m.layout, Layout::Ollama { .. })
                && !m.layout.manifest_current(&m.locked.revision)
            {
                match self.remotes[i].as_ref().map(Remote::manifest) {
                    Some(Ok(bytes)) => bytes,
                    Some(Err(failure)) => {
                        self.fail_model(i, failure);
                        continue;
                    }
                    None => None,
                }
            } else {
                None
            };
            if let Err(error) = m.layout.finish(manifest.as_deref(), &self.placed[i]) {
                let path = m.layout.root().to_owned();
                self.out.problems.push(Problem::Io {
                    model: m.locked.name.clone(),
                    path,
                    error,
                });
                self.failed[i] = true;
            }
        }
    }

    /// Every locked file has an outcome: those of a model that failed
    /// before they were tried, too.
    fn account_for_every_file(&mut self) {
        let have: HashSet<(String, String)> = self
            .out
            .files
            .iter()
            .map(|f| (f.model.clone(), f.file.path.clone()))
            .collect();
        let mut missing = Vec::new();
        for (i, m) in self.models.iter().enumerate() {
            for f in &m.locked.files {
                if !have.contains(&(m.locked.name.clone(), f.path.clone())) {
                    missing.push((i, f, m.layout.location(f, &f.sha256)));
                }
            }
        }
        for (i, f, location) in missing {
            self.push(i, f, location, Status::Failed);
        }
        self.out
            .files
            .sort_by(|a, b| (&a.model, &a.file.path).cmp(&(&b.model, &b.file.path)));
    }
}
