//! Where fetched files go, laid out as the tools that read them expect:
//! the Hugging Face cache as `huggingface_hub` writes it (blobs named by
//! etag, relative snapshot links, `refs/`), Ollama's store (blobs by digest,
//! the manifest verbatim at its tag), or a plain directory as
//! `hf download --local-dir` leaves it. Every path written is checked to
//! stay inside its root, and nothing is written through a link.

use crate::env::Env;
use crate::hashing::is_lower_hex;
use crate::lock::{LockedFile, LockedModel};
use crate::source::hf::cache::RepoCache;
use crate::source::ollama::store as ollama_store;
use crate::source::Source;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Where one model's files go.
pub enum Layout {
    /// The Hugging Face cache.
    Hf {
        repo: RepoCache,
        commit: String,
        /// `refs/<name>` files to point at the commit.
        refs: Vec<String>,
        /// Snapshot entries are links into `blobs/` (else copies).
        symlinks: bool,
    },
    /// Ollama's store.
    Ollama {
        store: PathBuf,
        /// `manifests/<host>/<namespace>/<model>/<tag>`.
        manifest: PathBuf,
    },
    /// A plain directory laid out as the repo.
    Dir {
        root: PathBuf,
        /// The commit of an `hf:` model (for the download metadata
        /// `huggingface_hub` keeps beside a local dir).
        commit: Option<String>,
    },
}

impl Layout {
    /// The layout of a locked `hf:` or `ollama:` model, in `dir` when given.
    pub fn new(
        model: &LockedModel,
        source: &Source,
        env: &Env,
        dir: Option<&Path>,
    ) -> Option<Layout> {
        if let Some(dir) = dir {
            return Some(Layout::Dir {
                root: dir.to_owned(),
                commit: matches!(source, Source::Hf(_)).then(|| model.revision.clone()),
            });
        }
        match source {
            Source::Hf(repo) => {
                let mut refs = Vec::new();
                let requested = model
                    .requested
                    .clone()
                    .or_else(|| source.default_requested());
                // a full commit needs no ref: huggingface_hub uses it as is
                for name in requested.into_iter().chain(model.tag.clone()) {
                    if !is_lower_hex(&name, 40) && safe_ref(&name) && !refs.contains(&name) {
                        refs.push(name);
                    }
                }
                Some(Layout::Hf {
                    repo: RepoCache::new(&env.hf_hub_cache, repo.as_str()),
                    commit: model.revision.clone(),
                    refs,
                    symlinks: !env.hf_disable_symlinks,
                })
            }
            Source::Ollama(name) => Some(Layout::Ollama {
                store: env.ollama_models.clone(),
                manifest: ollama_store::manifest(&env.ollama_models, name),
            }),
            Source::Path(_) => None,
        }
    }

    /// The root nothing of this model is written outside of.
    pub fn root(&self) -> &Path {
        match self {
            Layout::Hf { repo, .. } => &repo.dir,
            Layout::Ollama { store, .. } => store,
            Layout::Dir { root, .. } => root,
        }
    }

    /// Where a file's bytes are kept once verified: a blob named by `id`
    /// (the Hub's etag; Ollama's digest) or the file itself.
    pub fn blob(&self, file: &LockedFile, id: &str) -> PathBuf {
        match self {
            Layout::Hf { repo, .. } => repo.blobs().join(id),
            Layout::Ollama { store, .. } => ollama_store::blob(store, &file.sha256),
            Layout::Dir { root, .. } => root.join(&file.path),
        }
    }

    /// Where a file's bytes go while they arrive.
    pub fn incomplete(&self, file: &LockedFile, id: &str) -> PathBuf {
        match self {
            Layout::Hf { .. } | Layout::Ollama { .. } => {
                let blob = self.blob(file, id);
                let mut name = blob.file_name().unwrap_or_default().to_owned();
                name.push(".incomplete");
                blob.with_file_name(name)
            }
            // as huggingface_hub keeps a local dir's downloads in progress
            Layout::Dir { root, .. } => root
                .join(".cache/huggingface/download")
                .join(format!("{}.incomplete", file.path)),
        }
    }

    /// Where the file is for its users (a snapshot entry, a blob, the file).
    pub fn location(&self, file: &LockedFile, id: &str) -> PathBuf {
        match self {
            Layout::Hf { repo, commit, .. } => repo.snapshot(commit).join(&file.path),
            _ => self.blob(file, id),
        }
    }

    /// Makes the directory of `path` (inside the root) and checks that it
    /// is inside the root once every link on the way is resolved.
    pub fn prepare(&self, path: &Path) -> io::Result<()> {
        let root = self.root();
        std::fs::create_dir_all(root)?;
        let parent = path.parent().unwrap_or(root);
        std::fs::create_dir_all(parent)?;
        let real_root = std::fs::canonicalize(root)?;
        let real = std::fs::canonicalize(parent)?;
        if !real.starts_with(&real_root) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "`{}` leads outside `{}` (to `{}`) through a link; remove the link",
                    parent.display(),
                    root.display(),
                    real.display()
                ),
            ));
        }
        Ok(())
    }

    /// Puts a verified blob where users read the file: for the Hugging
    /// Face cache, a relative link `snapshots/<commit>/<path>` →
    /// `blobs/<id>` (without links, a copy — or the blob itself when it was
    /// just fetched, as huggingface_hub moves it).
    pub fn place(&self, file: &LockedFile, id: &str, fresh: bool) -> io::Result<PathBuf> {
        let Layout::Hf { symlinks, .. } = self else {
            return Ok(self.blob(file, id));
        };
        let blob = self.blob(file, id);
        let entry = self.location(file, id);
        self.prepare(&entry)?;
        if *symlinks {
            let depth = Path::new(&file.path).components().count();
            let mut target = PathBuf::new();
            for _ in 0..depth + 1 {
                target.push("..");
            }
            target.push("blobs");
            target.push(id);
            match replace_with_link(&target, &entry) {
                Ok(()) => return Ok(entry),
                // no links here (Windows without developer mode): copies
                Err(e)
                    if e.kind() == io::ErrorKind::PermissionDenied
                        || e.kind() == io::ErrorKind::Unsupported => {}
                Err(e) => return Err(e),
            }
        }
        if fresh {
            std::fs::rename(&blob, &entry)?;
        } else {
            let temp = sibling(&entry, ".copy");
            std::fs::copy(&blob, &temp)?;
            std::fs::rename(&temp, &entry)?;
        }
        Ok(entry)
    }

    /// Once every file of the model is in place: `refs/` pointing at the
    /// commit; Ollama's manifest at its tag (verbatim); a local dir's
    /// download metadata.
    pub fn finish(&self, manifest: Option<&[u8]>, ids: &[(&LockedFile, String)]) -> io::Result<()> {
        match self {
            Layout::Hf {
                repo, commit, refs, ..
            } => {
                for name in refs {
                    let path = repo.refs().join(name);
                    self.prepare(&path)?;
                    if std::fs::read_to_string(&path).is_ok_and(|c| c.trim() == commit) {
                        continue;
                    }
                    // no newline, as huggingface_hub writes it
                    crate::fsutil::write_atomic(&path, commit.as_bytes())?;
                }
                Ok(())
            }
            Layout::Ollama { manifest: path, .. } => {
                let Some(bytes) = manifest else {
                    return Ok(());
                };
                if std::fs::read(path).is_ok_and(|b| b == bytes) {
                    return Ok(());
                }
                self.prepare(path)?;
                crate::fsutil::write_atomic(path, bytes)
            }
            Layout::Dir {
                root,
                commit: Some(commit),
            } => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0.0, |d| d.as_secs_f64());
                for (file, id) in ids {
                    let path = root
                        .join(".cache/huggingface/download")
                        .join(format!("{}.metadata", file.path));
                    self.prepare(&path)?;
                    crate::fsutil::replace_unsynced(
                        &path,
                        format!("{commit}\n{id}\n{now}\n").as_bytes(),
                    )?;
                }
                Ok(())
            }
            Layout::Dir { commit: None, .. } => Ok(()),
        }
    }

    /// Whether the Ollama manifest at the tag is already the locked one.
    pub fn manifest_current(&self, digest: &str) -> bool {
        match self {
            Layout::Ollama { manifest, .. } => std::fs::read(manifest)
                .is_ok_and(|b| format!("sha256:{}", crate::hashing::sha256_hex(&b)) == digest),
            _ => true,
        }
    }
}

/// A ref name that is a safe relative path: `main`, `v1.0`, `refs/pr/1`.
fn safe_ref(name: &str) -> bool {
    !name.is_empty()
        && !name.contains(['\\', '\0'])
        && Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// `path` with a suffix on its file name, in the same directory.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!("{suffix}.{}", std::process::id()));
    path.with_file_name(name)
}

/// Makes `entry` a link to `target`, replacing what is there (a link, a
/// file) in one rename, never writing through it.
fn replace_with_link(target: &Path, entry: &Path) -> io::Result<()> {
    if std::fs::read_link(entry).is_ok_and(|t| t == target) {
        return Ok(());
    }
    let temp = sibling(entry, ".link");
    let _ = std::fs::remove_file(&temp);
    #[cfg(unix)]
    std::os::unix::fs::symlink(target, &temp)?;
    #[cfg(windows)]
    std::os::windows::fs::symlink_file(target, &temp)?;
    if let Err(e) = std::fs::rename(&temp, entry) {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    Ok(())
}
