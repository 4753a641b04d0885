//! The Ollama store as Ollama lays it out (OLLAMA_MODELS): manifests at
//! `manifests/<host>/<namespace>/<model>/<tag>`, layers at
//! `blobs/sha256-<hex>`. `verify` reads it; `audit` lists it.

use super::Name;
use std::path::{Path, PathBuf};

/// Where the manifest of a model's tag is.
pub fn manifest(store: &Path, name: &Name) -> PathBuf {
    store
        .join("manifests")
        .join(&name.host)
        .join(&name.namespace)
        .join(&name.model)
        .join(&name.tag)
}

/// Where a layer with this sha256 (hex) is.
pub fn blob(store: &Path, sha256: &str) -> PathBuf {
    store.join("blobs").join(format!("sha256-{sha256}"))
}
