//! The models a machine holds: the Hugging Face cache (each model repo and
//! the commits of its snapshots) and the Ollama store (each model and tag,
//! with the digest of its manifest), for the serving-host case.

use super::{Confidence, Finding, Location, ModelRef};
use crate::hashing::sha256_hex;
use std::path::Path;

fn sorted_dirs(dir: &Path) -> Vec<(String, std::path::PathBuf)> {
    let mut out: Vec<(String, std::path::PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    out.sort();
    out
}

/// Every commit of every model repo in a Hugging Face cache
/// (`models--ORG--NAME/snapshots/COMMIT`).
pub fn hf_cache(root: &Path) -> Result<Vec<Finding>, std::io::Error> {
    std::fs::read_dir(root)?;
    let mut out = Vec::new();
    for (name, path) in sorted_dirs(root) {
        let Some(repo) = crate::source::hf::cache::repo_of_folder(&name) else {
            continue;
        };
        let cache = crate::source::hf::cache::RepoCache { dir: path };
        for (commit, snap) in sorted_dirs(&cache.snapshots()) {
            out.push(Finding {
                location: Location::Store { path: snap },
                reference: ModelRef::Hf {
                    repo: repo.clone(),
                    revision: Some(commit),
                },
                via: "hf-cache",
                kind: super::kind::Kind::Use,
                confidence: Confidence::High,
                detail: None,
            });
        }
    }
    Ok(out)
}

/// Every tag of every model in an Ollama store
/// (`manifests/HOST/NAMESPACE/MODEL/TAG`), with its manifest's digest.
pub fn ollama_store(root: &Path) -> Result<Vec<Finding>, std::io::Error> {
    let manifests = root.join("manifests");
    std::fs::read_dir(&manifests)?;
    let mut out = Vec::new();
    for (host, hp) in sorted_dirs(&manifests) {
        for (ns, np) in sorted_dirs(&hp) {
            for (model, mp) in sorted_dirs(&np) {
                let mut tags: Vec<_> = std::fs::read_dir(&mp)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                    .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
                    .collect();
                tags.sort();
                for (tag, file) in tags {
                    let Ok(bytes) = std::fs::read(&file) else {
                        continue;
                    };
                    // `latest` is the tag a bare name means
                    let tagged = if tag == crate::source::ollama::DEFAULT_TAG {
                        model.clone()
                    } else {
                        format!("{model}:{tag}")
                    };
                    let name = if host == crate::source::ollama::DEFAULT_HOST && ns == "library" {
                        tagged
                    } else if host == crate::source::ollama::DEFAULT_HOST {
                        format!("{ns}/{tagged}")
                    } else {
                        format!("{host}/{ns}/{tagged}")
                    };
                    out.push(Finding {
                        location: Location::Store { path: file },
                        reference: ModelRef::Ollama {
                            name: format!("{name}@sha256:{}", sha256_hex(&bytes)),
                        },
                        via: "ollama-store",
                        kind: super::kind::Kind::Use,
                        confidence: Confidence::High,
                        detail: None,
                    });
                }
            }
        }
    }
    Ok(out)
}
