//! From a manifest entry to its lock entry: what revision each entry is
//! locked at ([`plan`]), the source's snapshot turned into a lock entry
//! (once, for every source), each license file identified and the
//! stricter license kept, and whether a lock entry still matches its
//! manifest entry ([`stale`]).

pub mod changes;
pub mod diags;
pub mod documents;
pub mod outdated;
pub mod plan;
pub mod prune;
pub mod sides;
pub mod stale;

use crate::diag::Diag;
use crate::env::Env;
use crate::license::gathered::Gathered;
use crate::license::identify::Fingerprints;
use crate::license::{LicenseFile, Store};
use crate::lock::{Lock, LockedModel};
use crate::manifest::ModelEntry;
use crate::source::{self, FetchedTerms, Pin, Request, Snapshot};
use rayon::prelude::*;
use std::path::Path;

pub use plan::Plan;
pub use source::Failure;

/// Everything resolution needs: the sources' context (network, cache,
/// gathered license texts) and the known texts license files are
/// identified against.
pub struct Resolver {
    pub cx: source::Context,
    pub fingerprints: Fingerprints,
}

/// The sources' context for the project of `manifest_path`: its
/// directory, its own files, and the license texts of its store and of
/// modellock's cache.
pub fn context(env: Env, manifest_path: &Path) -> source::Context {
    let root = match manifest_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    let own = [
        crate::manifest::FILE_NAME,
        crate::lock::FILE_NAME,
        crate::license::store::DIR,
    ];
    let texts = Gathered::new(
        Store::beside(manifest_path),
        Store::at(env.cache_dir.join("v1").join("texts")),
    );
    source::Context::new(env, root, own.map(str::to_owned).to_vec(), texts)
}

impl Resolver {
    /// A resolver for the project of `manifest_path`, with the built-in
    /// fingerprints.
    pub fn new(env: Env, manifest_path: &Path) -> Resolver {
        Resolver {
            cx: context(env, manifest_path),
            fingerprints: Fingerprints::builtin().clone(),
        }
    }

    /// A resolver that also knows the texts of the fingerprints file
    /// `extra` (MODELLOCK_FINGERPRINTS), if any.
    pub fn with_fingerprints(
        env: Env,
        manifest_path: &Path,
    ) -> Result<Resolver, crate::license::FingerprintsInvalid> {
        let extra = env.fingerprints.clone();
        let mut r = Resolver::new(env, manifest_path);
        r.fingerprints = Fingerprints::with_extra(extra.as_deref())
            .map_err(|error| crate::license::FingerprintsInvalid { error })?;
        Ok(r)
    }

    /// Writes what resolution gathered: the license texts and terms to the
    /// store first (a lock never names terms the store lacks), then `new`
    /// to `lock_path`, atomically. How many store entries were written, and
    /// whether the lock changed.
    pub fn commit(&self, lock_path: &Path, new: &Lock) -> Result<(usize, bool), Diag> {
        let texts = self.texts();
        let stored = texts.write_store().map_err(|error| {
            Diag::from(crate::license::StoreWriteFailed {
                root: texts.store.root().to_owned(),
                error,
            })
        })?;
        texts.save_to_cache();
        let outcome = crate::lock::write_atomic(lock_path, new).map_err(|error| {
            Diag::from(crate::lock::WriteFailed {
                path: lock_path.to_owned(),
                error,
            })
        })?;
        Ok((stored, outcome == crate::lock::WriteOutcome::Written))
    }

    /// The license texts and terms gathered, and the project's store.
    pub fn texts(&self) -> &Gathered {
        &self.cx.texts
    }

    /// Resolves one manifest entry to its lock entry: at `pin` when given,
    /// else at what the entry asks for.
    pub fn lock_entry(
        &self,
        entry: &ModelEntry,
        pin: Option<&Pin>,
    ) -> Result<LockedModel, Failure> {
        let wants = |p: &str| entry.wants_file(p);
        let snap = entry
            .source
            .value
            .snapshot(&self.cx, &request(entry, pin, &wants))?;
        // a model locked with no file passes every later check vacuously
        if snap.files.is_empty() {
            return Err(no_files(entry));
        }
        let prompt = snap.card.as_ref().and_then(|c| c.gated_prompt.clone());
        let mut locked = locked_model(entry, snap);
        self.identify(&mut locked);
        // the gated access prompt is a text of the card itself: locked as
        // it is; documents behind URLs are read for every model at once
        // (see `documents`)
        if let Some(text) = prompt {
            self.cx.texts.keep_text(text.as_bytes());
            locked.documents.push(crate::license::documents::Document {
                title: "Gated access prompt".to_owned(),
                url: None,
                origin: crate::license::documents::ORIGIN_GATED_PROMPT.to_owned(),
                digest: Some(crate::license::file_digest(text.as_bytes())),
                unavailable: None,
            });
        }
        Ok(locked)
    }

    /// Resolves the entries, `jobs` at a time, each by its plan, in the
    /// order given.
    fn lock_all<'e>(
        &self,
        planned: &[(&'e ModelEntry, Plan)],
        jobs: usize,
        progress: &indicatif::ProgressBar,
    ) -> Vec<(&'e ModelEntry, Result<LockedModel, Failure>)> {
        let work = || {
            planned
                .par_iter()
                .map(|(e, plan)| {
                    let r = match plan {
                        Plan::Fresh => self.lock_entry(e, None),
                        Plan::Pinned(pin) => self.lock_entry(e, Some(pin)),
                        Plan::Keep(kept) => Ok((**kept).clone()),
                    };
                    progress.inc(1);
                    (*e, r)
                })
                .collect()
        };
        match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
            Ok(pool) => pool.install(work),
            Err(_) => work(),
        }
    }

    /// The lock after resolving `targets` (each planned against `old` by
    /// `mode`), `jobs` at a time: every model resolved when `targets` is
    /// the whole manifest (`all`), else the rest of `old` kept as it was.
    /// On failure, every entry that failed, in the order given.
    pub fn update<'e>(
        &self,
        targets: &[&'e ModelEntry],
        old: Option<&Lock>,
        mode: &plan::Mode<'_>,
        jobs: usize,
        progress: &indicatif::ProgressBar,
    ) -> Result<Lock, Vec<(&'e ModelEntry, Failure)>> {
        let mut planned = Vec::new();
        for e in targets {
            match self.plan(e, old, mode) {
                Ok(plan) => planned.push((*e, plan)),
                Err(f) => return Err(vec![(*e, f)]),
            }
        }
        progress.set_length(planned.len() as u64);
        let mut resolved = Vec::new();
        let mut failed = Vec::new();
        for (entry, result) in self.lock_all(&planned, jobs, progress) {
            match result.and_then(|m| same_repo(old, m)) {
                Ok(m) => resolved.push(m),
                Err(f) => failed.push((entry, f)),
            }
        }
        if !failed.is_empty() {
            return Err(failed);
        }
        Ok(match (mode, old) {
            (plan::Mode::All { .. }, _) | (_, None) => Lock::new(resolved),
            (_, Some(old)) => {
                let mut new = old.clone();
                resolved.into_iter().for_each(|m| new.insert(m));
                new
            }
        })
    }

    /// Identifies every license file of a lock entry; when a license file
    /// that governs the weights is another license than the declared one,
    /// the lock records the stricter of the two (`check` reports the
    /// disagreement).
    pub fn identify(&self, locked: &mut LockedModel) {
        for lf in &mut locked.license_files {
            if let Some(bytes) = self.cx.texts.text(&lf.digest) {
                let found = self.fingerprints.identify(&bytes);
                let known = found.id != "unknown";
                lf.confidence = (known || found.nearest.is_some())
                    .then(|| (found.confidence * 100.0).round().clamp(0.0, 100.0) as u8);
                (lf.nearest, lf.nearest_text) = found.nearest.unzip();
                lf.id = Some(found.id);
            }
        }
        locked.license =
            crate::license::scope::bound_license(locked.license.as_deref(), &locked.license_files);
    }

    /// The license terms of an entry's source at another revision (a
    /// branch, tag or commit; an Ollama tag or manifest digest), fetching
    /// only license files and the card; the manifest declares the license
    /// of a source without a card.
    pub fn terms_at(&self, entry: &ModelEntry, revision: &str) -> Result<FetchedTerms, Failure> {
        let mut fetched = entry.source.value.terms_at(&self.cx, revision)?;
        if !entry.source.value.has_card() {
            fetched.license = declared(entry);
        }
        Ok(fetched)
    }
}

/// A lock entry resolved now, unless its repo is not the one locked: the
/// same name with another immutable id (`_id`) is a repo deleted and
/// created again — namespace reuse — and is refused.
fn same_repo(old: Option<&Lock>, m: LockedModel) -> Result<LockedModel, Failure> {
    let before = old
        .and_then(|o| o.model(&m.name))
        .filter(|b| b.source == m.source);
    if let (Some(b), Some(was), Some(now)) = (
        before,
        before.and_then(|b| b.hub_id.as_deref()),
        m.hub_id.as_deref(),
    ) {
        if was != now {
            return Err(Failure::new(
                crate::diag::Code::SourceIdentityChanged,
                format!(
                    "`{}` is not the repo that was locked: the Hub's id of the repo was {was} (owner {}) and is now {now} (owner {}); it was deleted and created again under the same name",
                    b.source,
                    b.author.as_deref().unwrap_or("unknown"),
                    m.author.as_deref().unwrap_or("unknown"),
                ),
                "check who owns the namespace now and what the repo holds before trusting it (models.lock is left as it was); if the new repo is the one you want, remove the entry from models.toml and run `modellock update` (the lock forgets it), then `modellock add` it again and review its terms",
            ));
        }
    }
    Ok(m)
}

/// The entry's `files` globs select none of its files.
fn no_files(entry: &ModelEntry) -> Failure {
    let globs = entry.file_patterns();
    let (message, help) = if globs.is_empty() {
        (
            "the source has no file to lock".to_owned(),
            "check the source: a model with no file cannot be verified".to_owned(),
        )
    } else {
        (
            format!("the `files` globs ({}) select none of its files", globs.join(", ")),
            "fix the globs: they match paths in the repo, e.g. `*.safetensors` or `onnx/*.onnx`; `modellock update --dry-run` shows what is locked".to_owned(),
        )
    };
    Failure::new(crate::diag::Code::SourceNoFiles, message, help)
}

/// What an entry asks its source for.
pub fn request<'a>(
    entry: &'a ModelEntry,
    pin: Option<&'a Pin>,
    wants: &'a (dyn Fn(&str) -> bool + Sync),
) -> Request<'a> {
    Request {
        revision: entry.revision.as_ref().map(|r| r.value.as_str()),
        version: entry.version.as_ref().map(|v| &v.value),
        pin,
        wants,
    }
}

/// The license the manifest declares (for sources without a model card).
fn declared(entry: &ModelEntry) -> Option<String> {
    entry.license.as_ref().map(|l| l.value.clone())
}

/// The lock entry of a snapshot: the one place a source's facts become a
/// `[[model]]` of models.lock.
fn locked_model(entry: &ModelEntry, snap: Snapshot) -> LockedModel {
    let card = snap.card.unwrap_or_default();
    let license = if entry.source.value.has_card() {
        card.license
    } else {
        declared(entry)
    };
    LockedModel {
        name: entry.name.clone(),
        source: entry.source_raw.clone(),
        requested: entry.requested(),
        tag: snap.tag,
        revision: snap.revision,
        license,
        // the scan's verdicts on the files locked
        scan: card.scan.map(|mut s| {
            s.issues
                .retain(|(p, _)| snap.files.iter().any(|f| &f.path == p));
            s.issues.sort();
            s
        }),
        hub_id: card.object_id,
        // an Ollama model's owner is the registry and namespace it
        // resolved to
        author: match &entry.source.value {
            crate::source::Source::Ollama(n) => Some(format!("{}/{}", n.host, n.namespace)),
            _ => card.author,
        },
        license_digest: snap.terms.digest(),
        // filled in by `documents`, once every model is resolved
        documents_digest: None,
        documents_baseline: None,
        documents: Vec::new(),
        base_models: card.base_models,
        lineage: card.lineage,
        pipeline_tag: card.pipeline_tag,
        datasets: card.datasets,
        multimodal: card.multimodal,
        include: entry.file_patterns(),
        gguf: snap.gguf,
        license_files: LicenseFile::of(&snap.terms),
        files: snap.files,
        span: None,
    }
}
