//! What `audit` searches: directories and files (walked on all cores), the
//! Hugging Face cache and the Ollama store; every finding with the path it
//! is shown under and, for a file, the file registered for snippets.

use super::{caches, walk, Finding, Location, WalkStats};
use crate::diag::{Code, Diag, FileId, Files};
use std::path::{Path, PathBuf};

/// Where to search.
pub struct Scope {
    /// Directories and files.
    pub roots: Vec<PathBuf>,
    /// The Hugging Face cache to list, if asked.
    pub hf_cache: Option<PathBuf>,
    /// The Ollama store to list, if asked.
    pub ollama: Option<PathBuf>,
    /// Ollama servers whose served models to list (`--ollama-host`).
    pub ollama_hosts: Vec<String>,
    /// `kubectl get pods -o yaml|json` output to read (`--k8s FILE`; `-`:
    /// standard input).
    pub k8s: Option<PathBuf>,
    /// Threads for the walk.
    pub threads: usize,
}

/// Every finding, where it is shown, and what the walk saw.
pub struct Found {
    pub findings: Vec<(Finding, String, Option<FileId>)>,
    pub stats: WalkStats,
}

/// A path as reports show it (without a leading `./`).
pub fn display_path(p: &Path) -> String {
    let s = p.display().to_string();
    s.strip_prefix("./").map(str::to_owned).unwrap_or(s)
}

/// A path `audit` could not read.
pub fn io_error(what: String) -> Diag {
    Diag::error(Code::AuditIo, what).with_help(
        "check the path; audit reads directories and files, the HF cache and the Ollama store",
    )
}

/// Searches the scope; a root that does not exist, or a cache or store
/// that cannot be read, is an error (nothing was searched there).
pub fn search(scope: &Scope, files: &mut Files) -> Result<Found, Vec<Diag>> {
    let missing: Vec<Diag> = scope
        .roots
        .iter()
        .filter(|p| !p.exists())
        .map(|p| io_error(format!("`{}` does not exist", p.display())))
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let (scanned, stats) = walk(&scope.roots, scope.threads);
    let mut findings = Vec::new();
    for s in scanned {
        let shown = display_path(&s.path);
        let id = files.add(shown.clone(), s.text.as_str());
        for f in s.findings {
            findings.push((f, shown.clone(), Some(id)));
        }
    }
    type Scan = fn(&Path) -> std::io::Result<Vec<Finding>>;
    let stores: [(&str, &Option<PathBuf>, Scan); 2] = [
        ("Hugging Face cache", &scope.hf_cache, caches::hf_cache),
        ("Ollama store", &scope.ollama, caches::ollama_store),
    ];
    for (what, dir, scan) in stores {
        let Some(dir) = dir else { continue };
        let found = scan(dir).map_err(|e| {
            vec![io_error(format!(
                "cannot read the {what} `{}`: {e}",
                dir.display()
            ))]
        })?;
        for f in found {
            let shown = match &f.location {
                Location::Store { path } | Location::Text { path, .. } => display_path(path),
            };
            findings.push((f, shown, None));
        }
    }
    for host in &scope.ollama_hosts {
        let base = super::hosts::base_url(host).map_err(|e| vec![io_error(e)])?;
        let http = crate::net::Http::new(None);
        let found = super::hosts::ollama(&http, &base).map_err(|e| {
            vec![io_error(format!(
                "cannot read the Ollama host `{}`: {e}",
                crate::net::redact(&base)
            ))]
        })?;
        for f in found {
            let shown = match &f.location {
                Location::Store { path } | Location::Text { path, .. } => {
                    path.display().to_string()
                }
            };
            findings.push((f, shown, None));
        }
    }
    if let Some(k8s) = &scope.k8s {
        let (shown, text) = read_k8s(k8s)?;
        let id = files.add(shown.clone(), text.as_str());
        let kind = if text.trim_start().starts_with('{') {
            super::recognise::FileKind::Json
        } else {
            super::recognise::FileKind::Yaml
        };
        let (hits, _) = super::scan_counted(Path::new(&shown), &text, kind);
        for mut f in hits {
            // what runs in the cluster is deployed, whatever its path says
            f.kind = super::kind::Kind::Deploy;
            findings.push((f, shown.clone(), Some(id)));
        }
    }
    Ok(Found { findings, stats })
}

/// The text of `kubectl get pods -A -o yaml` output: a file, or standard
/// input for `-`.
fn read_k8s(path: &Path) -> Result<(String, String), Vec<Diag>> {
    use std::io::Read;
    const LIMIT: u64 = 256 << 20;
    let (shown, bytes) = if path == Path::new("-") {
        let mut b = Vec::new();
        std::io::stdin()
            .take(LIMIT)
            .read_to_end(&mut b)
            .map_err(|e| vec![io_error(format!("cannot read standard input: {e}"))])?;
        ("<stdin>".to_owned(), b)
    } else {
        let b = std::fs::read(path)
            .map_err(|e| vec![io_error(format!("cannot read `{}`: {e}", path.display()))])?;
        (display_path(path), b)
    };
    Ok((shown, String::from_utf8_lossy(&bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::ModelRef;
    use std::path::Path;

    #[test]
    fn paths_are_shown_without_dot_slash() {
        assert_eq!(display_path(Path::new("./src/app.py")), "src/app.py");
        assert_eq!(display_path(Path::new("/abs/x.py")), "/abs/x.py");
        let r = ModelRef::Hf {
            repo: "org/x".into(),
            revision: Some("v1".into()),
        };
        assert_eq!(r.display(), "hf:org/x@v1");
    }
}
