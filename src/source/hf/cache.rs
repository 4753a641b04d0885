//! The Hugging Face cache as `huggingface_hub` lays it out: one folder a
//! repo (`models--ORG--NAME`) with `blobs/` (the content, named by etag),
//! `snapshots/<commit>/<path>` (usually relative symlinks into `blobs/`)
//! and `refs/<branch or tag>` (the commit it points at). `verify` reads it;
//! `audit` lists it.

use std::path::{Path, PathBuf};

/// `models--ORG--NAME`, as huggingface_hub names a repo's cache folder.
pub fn repo_folder(repo: &str) -> String {
    let mut parts = vec!["models"];
    parts.extend(repo.split('/'));
    parts.join("--")
}

/// The repo id of a cache folder name (`models--ORG--NAME` → `ORG/NAME`).
pub fn repo_of_folder(folder: &str) -> Option<String> {
    Some(folder.strip_prefix("models--")?.replace("--", "/"))
}

/// One repo's folder in a cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoCache {
    pub dir: PathBuf,
}

impl RepoCache {
    /// The folder of `repo` in the cache at `hub_cache` (HF_HUB_CACHE).
    pub fn new(hub_cache: &Path, repo: &str) -> RepoCache {
        RepoCache {
            dir: hub_cache.join(repo_folder(repo)),
        }
    }

    pub fn snapshots(&self) -> PathBuf {
        self.dir.join("snapshots")
    }

    /// The snapshot of a commit: its files by their paths in the repo.
    pub fn snapshot(&self, commit: &str) -> PathBuf {
        self.snapshots().join(commit)
    }

    pub fn blobs(&self) -> PathBuf {
        self.dir.join("blobs")
    }

    pub fn refs(&self) -> PathBuf {
        self.dir.join("refs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names() {
        // known answers: huggingface_hub's repo_folder_name
        assert_eq!(
            repo_folder("meta-llama/Llama-3.1-8B"),
            "models--meta-llama--Llama-3.1-8B"
        );
        assert_eq!(repo_folder("gpt2"), "models--gpt2");
        assert_eq!(
            repo_of_folder("models--org--name").as_deref(),
            Some("org/name")
        );
        assert_eq!(repo_of_folder("datasets--org--name"), None);
        let c = RepoCache::new(Path::new("/c"), "org/name");
        assert_eq!(
            c.snapshot("abc"),
            Path::new("/c/models--org--name/snapshots/abc")
        );
    }
}
