//! The corpus the built-in fingerprints are made from: a directory of
//! license texts, each named by its license id (`llama3_1.LICENSE.txt` is
//! `llama3.1`), and its `SOURCES.toml`, which says where each text comes
//! from (repository, path, commit, sha256). `cargo run --example
//! fingerprints` writes `src/license/fingerprints.toml` from it; a test
//! checks that the committed file is exactly what it generates.

use super::identify::{Fingerprints, Identified, Known, Origin};
use super::kb::Kb;
use crate::hashing::sha256_hex;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A row of `SOURCES.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub file: String,
    pub repo: String,
    pub path: String,
    pub commit: String,
    pub sha256: String,
    pub note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Sources {
    #[serde(default, rename = "source")]
    sources: Vec<Source>,
}

/// The file name of the provenance table in a corpus directory.
pub const SOURCES: &str = "SOURCES.toml";

/// The license id a file name stands for: the longest dot-separated prefix
/// that is an id of the knowledge base, reading `_` as `.`.
pub fn id_of(kb: &Kb, file_name: &str) -> Option<String> {
    let parts: Vec<&str> = file_name.split('.').collect();
    (1..=parts.len()).rev().find_map(|n| {
        let candidate = parts[..n].join(".");
        [candidate.clone(), candidate.replace('_', ".")]
            .into_iter()
            .find_map(|c| kb.get(&c).map(|e| e.id.clone()))
    })
}

/// The texts of a corpus directory (every file but the READMEs and the
/// sources table), by name.
pub fn texts(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let read = |e: std::io::Error| format!("cannot read `{}`: {e}", dir.display());
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read)? {
        let entry = entry.map_err(read)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().map_err(read)?.is_file()
            && !name.starts_with('.')
            && !matches!(name.as_str(), "README.md" | "SOURCES.md" | SOURCES)
        {
            out.push((name, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// The provenance table of a corpus directory (empty when it has none).
pub fn sources(dir: &Path) -> Result<Vec<Source>, String> {
    let path = dir.join(SOURCES);
    match std::fs::read_to_string(&path) {
        Ok(text) => toml_edit::de::from_str::<Sources>(&text)
            .map(|s| s.sources)
            .map_err(|e| format!("`{}`: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("cannot read `{}`: {e}", path.display())),
    }
}

/// The fingerprints of every text of `dir` that names a known license,
/// with its provenance from `SOURCES.toml` (whose sha256 each file must
/// match); and the names of the files left out (no known license id).
pub fn generate(dir: &Path) -> Result<(Fingerprints, Vec<String>), String> {
    let kb = Kb::builtin();
    let sources = sources(dir)?;
    let mut fp = Fingerprints::default();
    let mut left_out = Vec::new();
    for (name, path) in texts(dir)? {
        let Some(id) = id_of(kb, &name) else {
            left_out.push(name);
            continue;
        };
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let mut known = Known::of(&id, &name, &bytes);
        if let Some(s) = sources.iter().find(|s| s.file == name) {
            let sha256 = sha256_hex(&bytes);
            if sha256 != s.sha256 {
                return Err(format!(
                    "`{name}` has sha256 {sha256}, and {SOURCES} records {} for {}:{} at {}",
                    s.sha256, s.repo, s.path, s.commit
                ));
            }
            known.origin = Some(Origin {
                repo: s.repo.clone(),
                path: s.path.clone(),
                commit: s.commit.clone(),
                sha256,
            });
        }
        fp.texts.push(known);
    }
    Ok((fp, left_out))
}

/// How `fp` identifies each text of `dir` that names a known license:
/// (file name, the id its name says, what it was identified as).
pub fn check(fp: &Fingerprints, dir: &Path) -> Result<Vec<(String, String, Identified)>, String> {
    let kb = Kb::builtin();
    let mut out = Vec::new();
    for (name, path) in texts(dir)? {
        let Some(expected) = id_of(kb, &name) else {
            continue;
        };
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        out.push((name, expected, fp.identify(&bytes)));
    }
    Ok(out)
}
