//! Where a locked model's files are on this machine: the Hugging Face cache,
//! the Ollama store, a `--dir`, or the `path:` directory itself.

use crate::env::Env;
use crate::hashing::sha256_hex;
use crate::lock::LockedModel;
use crate::source::hf::cache::RepoCache;
use crate::source::ollama::store as ollama_store;
use crate::source::Source;
use std::path::{Path, PathBuf};

/// Where one locked file is, or why it is not there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    File(PathBuf),
    Missing(PathBuf),
    /// A download in progress (`.incomplete`), which never counts.
    Incomplete(PathBuf),
    /// Something that is not a regular file stands where the file should be.
    NotAFile(PathBuf),
    /// Something is there, but it cannot be read (permissions, a symlink
    /// loop): never reported as missing.
    Unreadable(PathBuf, String),
    /// A cache symlink that leads outside the cache: reported, not followed.
    Escapes {
        link: PathBuf,
        target: PathBuf,
    },
}

/// The files of one model, or why none can be checked.
pub enum Located {
    Files(Vec<Place>),
    /// The cache or store has the model, but not at the locked revision.
    WrongRevision {
        root: PathBuf,
        present: Vec<String>,
    },
}

pub fn locate(
    model: &LockedModel,
    source: &Source,
    env: &Env,
    manifest_dir: &Path,
    dir: Option<&Path>,
) -> Located {
    if let Some(dir) = dir {
        return Located::Files(under(dir, model));
    }
    match source {
        Source::Path(p) => Located::Files(under(&p.resolve_dir(manifest_dir), model)),
        Source::Hf(repo) => hf_cache(model, &RepoCache::new(&env.hf_hub_cache, repo.as_str())),
        Source::Ollama(name) => {
            let store = &env.ollama_models;
            let manifest = ollama_store::manifest(store, name);
            match std::fs::read(&manifest) {
                Ok(bytes) if format!("sha256:{}", sha256_hex(&bytes)) != model.revision => {
                    return Located::WrongRevision {
                        root: manifest,
                        present: vec![format!("sha256:{}", sha256_hex(&bytes))],
                    };
                }
                _ => {}
            }
            Located::Files(
                model
                    .files
                    .iter()
                    .map(|f| plain(ollama_store::blob(store, &f.sha256)))
                    .collect(),
            )
        }
    }
}

/// Where each locked file of a model is or would be, whatever revision the
/// cache or store holds (for `fetch`, which puts the locked one there).
pub fn places(
    model: &LockedModel,
    source: &Source,
    env: &Env,
    manifest_dir: &Path,
    dir: Option<&Path>,
) -> Vec<Place> {
    if let Some(dir) = dir {
        return under(dir, model);
    }
    match source {
        Source::Path(p) => under(&p.resolve_dir(manifest_dir), model),
        Source::Hf(repo) => {
            let cache = RepoCache::new(&env.hf_hub_cache, repo.as_str());
            let snapshot = cache.snapshot(&model.revision);
            let root = std::fs::canonicalize(&cache.dir).unwrap_or_else(|_| cache.dir.clone());
            model
                .files
                .iter()
                .map(|f| cache_entry(&snapshot.join(&f.path), &root))
                .collect()
        }
        Source::Ollama(_) => model
            .files
            .iter()
            .map(|f| plain(ollama_store::blob(&env.ollama_models, &f.sha256)))
            .collect(),
    }
}

/// The files of a model in a plain directory `root`, each resolved (links
/// followed) and kept inside it: a path or link that leads out is an
/// escape, never read.
fn under(root: &Path, model: &LockedModel) -> Vec<Place> {
    let Ok(canonical_root) = std::fs::canonicalize(root) else {
        return model
            .files
            .iter()
            .map(|f| plain(root.join(&f.path)))
            .collect();
    };
    // each directory resolved once (a model of thousands of small files
    // shares a few directories); the file itself only when it is a link
    let mut dirs: std::collections::HashMap<PathBuf, std::io::Result<PathBuf>> =
        std::collections::HashMap::new();
    model
        .files
        .iter()
        .map(|f| {
            let path = root.join(&f.path);
            let meta = match std::fs::symlink_metadata(&path) {
                Ok(m) => m,
                Err(e) => return absent(path, &e),
            };
            let real = if meta.file_type().is_symlink() {
                std::fs::canonicalize(&path)
            } else {
                let parent = path.parent().unwrap_or(root).to_owned();
                let dir = dirs
                    .entry(parent.clone())
                    .or_insert_with(|| std::fs::canonicalize(&parent));
                match (dir, path.file_name()) {
                    (Ok(d), Some(name)) => Ok(d.join(name)),
                    (Err(e), _) => Err(std::io::Error::new(e.kind(), e.to_string())),
                    (Ok(_), None) => std::fs::canonicalize(&path),
                }
            };
            match real {
                Ok(real) if !real.starts_with(&canonical_root) => Place::Escapes {
                    link: path,
                    target: real,
                },
                Ok(real) if meta.file_type().is_symlink() => match plain(real) {
                    // report the path as locked, not where it resolved
                    Place::File(_) => Place::File(path),
                    other => other,
                },
                Ok(_) if meta.is_file() => Place::File(path),
                Ok(_) => Place::NotAFile(path),
                Err(e) => absent(path, &e),
            }
        })
        .collect()
}

fn plain(p: PathBuf) -> Place {
    match std::fs::metadata(&p) {
        Ok(m) if m.is_file() => Place::File(p),
        Ok(_) => Place::NotAFile(p),
        Err(e) => absent(p, &e),
    }
}

/// A path that could not be looked at: missing only when it is not there.
fn absent(p: PathBuf, e: &std::io::Error) -> Place {
    if e.kind() == std::io::ErrorKind::NotFound {
        Place::Missing(p)
    } else {
        Place::Unreadable(p, e.to_string())
    }
}

/// A snapshot in the Hugging Face cache: `snapshots/<commit>/<path>`, each
/// usually a relative symlink into `blobs/` (or a copy, without symlinks).
fn hf_cache(model: &LockedModel, cache: &RepoCache) -> Located {
    let repo_dir = &cache.dir;
    let snapshot = cache.snapshot(&model.revision);
    if !snapshot.is_dir() {
        let mut present: Vec<String> = std::fs::read_dir(cache.snapshots())
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        present.sort();
        if !present.is_empty() {
            return Located::WrongRevision {
                root: repo_dir.to_owned(),
                present,
            };
        }
        return Located::Files(
            model
                .files
                .iter()
                .map(|f| Place::Missing(snapshot.join(&f.path)))
                .collect(),
        );
    }
    let root = std::fs::canonicalize(repo_dir).unwrap_or_else(|_| repo_dir.to_owned());
    Located::Files(
        model
            .files
            .iter()
            .map(|f| cache_entry(&snapshot.join(&f.path), &root))
            .collect(),
    )
}

/// A file of a snapshot: usually a link into `blobs/`, resolved (every
/// link on the way followed, directory links and a linked snapshot
/// directory included) and kept inside the repo's cache folder `root`.
fn cache_entry(link: &Path, root: &Path) -> Place {
    if let Err(e) = std::fs::symlink_metadata(link) {
        return absent(link.to_owned(), &e);
    }
    let resolved = match std::fs::canonicalize(link) {
        Ok(r) => r,
        // a broken link: the blob is gone
        Err(e) => return absent(link.to_owned(), &e),
    };
    if !resolved.starts_with(root) {
        return Place::Escapes {
            link: link.to_owned(),
            target: resolved,
        };
    }
    if resolved.extension().is_some_and(|e| e == "incomplete") {
        return Place::Incomplete(resolved);
    }
    plain(resolved)
}
