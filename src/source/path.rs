//! Local directories (`path:DIR`), relative to the manifest: every file is
//! hashed (in parallel), license files are found by name, and the revision
//! is a digest of the locked file list.

use super::snapshot::File as LockedFile;
use super::SourceError;
use crate::hashing::{hash_file, sha256_hex};
use crate::license::LicenseFile;
use crate::license::{file_digest, is_license_file};
use rayon::prelude::*;
use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// A `path:` source as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathSource {
    pub raw: String,
}

impl PathSource {
    pub fn parse(s: &str) -> Result<PathSource, SourceError> {
        if s.trim().is_empty() {
            return Err(SourceError::new(
                "the directory is empty",
                "write the model directory relative to models.toml, e.g. `path:models/my-finetune`",
            ));
        }
        if s.contains('\0') {
            return Err(SourceError::new(
                "the directory contains a NUL byte",
                "remove it",
            ));
        }
        Ok(PathSource { raw: s.to_owned() })
    }

    /// The directory, resolved against the manifest's directory.
    pub fn resolve_dir(&self, manifest_dir: &Path) -> PathBuf {
        manifest_dir.join(&self.raw)
    }

    pub fn last_component(&self) -> String {
        Path::new(self.raw.trim_end_matches('/'))
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".to_owned())
    }
}

/// What a directory locks to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// `sha256:` + hex sha256 of the lines `PATH\tSIZE\tSHA256\n` of the
    /// locked files and license files, sorted by path.
    pub revision: String,
    pub files: Vec<LockedFile>,
    pub license_files: Vec<LicenseFile>,
    /// The bytes of each license file, in the order of `license_files`.
    pub license_texts: Vec<Vec<u8>>,
}

/// Why a directory could not be locked.
#[derive(Debug)]
pub struct SnapshotError {
    pub path: PathBuf,
    pub error: io::Error,
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.error)
    }
}

/// License files larger than this are not license texts.
const MAX_LICENSE_BYTES: u64 = 8 << 20;

/// Directories never locked: version control and tool metadata
/// (`hf download --local-dir` keeps its state in `.cache/huggingface`).
fn skipped_dir(rel: &str) -> bool {
    rel == ".git" || rel.ends_with("/.git") || rel == ".cache/huggingface"
}

/// Locks a directory: every regular file (symlinks to files are followed;
/// symlinked directories are not entered), filtered by `wants`, hashed on
/// all cores; license files at the root are digested whether or not
/// `wants` selects them.
pub fn snapshot(
    dir: &Path,
    wants: &(dyn Fn(&str) -> bool + Sync),
) -> Result<Snapshot, SnapshotError> {
    let meta = std::fs::metadata(dir).map_err(|error| SnapshotError {
        path: dir.to_owned(),
        error,
    })?;
    if !meta.is_dir() {
        return Err(SnapshotError {
            path: dir.to_owned(),
            error: io::Error::new(io::ErrorKind::InvalidInput, "not a directory"),
        });
    }
    let mut all = Vec::new();
    walk(dir, "", &mut all)?;
    all.sort();

    let selected: Vec<&String> = all.iter().filter(|p| wants(p)).collect();
    let files: Vec<LockedFile> = selected
        .par_iter()
        .map(|rel| {
            let path = dir.join(rel.as_str());
            let (size, sha256) = hash_file(&path).map_err(|error| SnapshotError {
                path: path.clone(),
                error,
            })?;
            // a config's auto_map (small files: read again)
            let remote_code = if crate::source::format::may_map_code(rel) && size <= 1 << 20 {
                std::fs::read(&path)
                    .map(|b| crate::source::format::auto_map(&b))
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            Ok(LockedFile {
                path: (*rel).clone(),
                size,
                sha256,
                remote_code,
            })
        })
        .collect::<Result<_, SnapshotError>>()?;

    let mut license_files = Vec::new();
    let mut license_texts = Vec::new();
    let mut listed: Vec<(String, u64, String)> = files
        .iter()
        .map(|f| (f.path.clone(), f.size, f.sha256.clone()))
        .collect();
    for rel in all.iter().filter(|p| is_license_file(p)) {
        let path = dir.join(rel);
        let bytes =
            read_capped(&path, MAX_LICENSE_BYTES).map_err(|error| SnapshotError { path, error })?;
        license_files.push(LicenseFile {
            path: rel.clone(),
            digest: file_digest(&bytes),
            ..Default::default()
        });
        if !listed.iter().any(|(p, _, _)| p == rel) {
            listed.push((rel.clone(), bytes.len() as u64, sha256_hex(&bytes)));
        }
        license_texts.push(bytes);
    }
    listed.sort();
    let mut text = String::new();
    for (p, size, sha) in &listed {
        text.push_str(&format!("{p}\t{size}\t{sha}\n"));
    }
    Ok(Snapshot {
        revision: format!("sha256:{}", sha256_hex(text.as_bytes())),
        files,
        license_files,
        license_texts,
    })
}

fn walk(root: &Path, rel: &str, out: &mut Vec<String>) -> Result<(), SnapshotError> {
    let dir = if rel.is_empty() {
        root.to_owned()
    } else {
        root.join(rel)
    };
    let err = |path: &Path| {
        let path = path.to_owned();
        move |error| SnapshotError { path, error }
    };
    for entry in std::fs::read_dir(&dir).map_err(err(&dir))? {
        let entry = entry.map_err(err(&dir))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return Err(SnapshotError {
                path: entry.path(),
                error: io::Error::new(io::ErrorKind::InvalidData, "the file name is not UTF-8"),
            });
        };
        let child = if rel.is_empty() {
            name.to_owned()
        } else {
            format!("{rel}/{name}")
        };
        let file_type = entry.file_type().map_err(err(&entry.path()))?;
        if file_type.is_dir() {
            if !skipped_dir(&child) {
                walk(root, &child, out)?;
            }
        } else if file_type.is_file() {
            out.push(child);
        } else if file_type.is_symlink() {
            // follow links to files; a link to a directory could loop
            let target = std::fs::metadata(entry.path()).map_err(err(&entry.path()))?;
            if target.is_file() {
                out.push(child);
            }
        }
    }
    Ok(())
}

fn read_capped(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(cap + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a license file larger than {} MiB", cap >> 20),
        ));
    }
    Ok(bytes)
}

/// The project's own paths (`own`, relative to `root`) as paths relative
/// to `dir`, when `root` is `dir` or below it (`path:.`).
fn project_files(dir: &Path, root: &Path, own: &[String]) -> Vec<String> {
    let (Ok(dir), Ok(project)) = (dir.canonicalize(), root.canonicalize()) else {
        return Vec::new();
    };
    let Ok(rel) = project.strip_prefix(&dir) else {
        return Vec::new();
    };
    let Some(rel) = rel.to_str() else {
        return Vec::new();
    };
    let prefix = if rel.is_empty() {
        String::new()
    } else {
        format!("{}/", rel.replace(std::path::MAIN_SEPARATOR, "/"))
    };
    own.iter().map(|f| format!("{prefix}{f}")).collect()
}

/// The snapshot of a `path:` model: the directory's files (never the
/// project's own), its license files kept; a directory has no model card.
pub fn lock_snapshot(
    cx: &super::Context,
    src: &PathSource,
    req: &super::Request<'_>,
) -> Result<super::Snapshot, super::Failure> {
    let dir = src.resolve_dir(&cx.root);
    let own = project_files(&dir, &cx.root, &cx.own_files);
    let snap = snapshot(&dir, &|p| {
        (req.wants)(p)
            && !own
                .iter()
                .any(|o| p == o || p.starts_with(&format!("{o}/")))
    })
    .map_err(|e| failure(src, e))?;
    for t in &snap.license_texts {
        cx.texts.keep_text(t);
    }
    let terms = crate::license::Terms::new(
        Default::default(),
        snap.license_files
            .iter()
            .map(|l| (l.path.as_str(), l.digest.as_str())),
    );
    cx.texts.keep_terms(&terms);
    // the header of the first locked GGUF file, read from disk
    let gguf = match snap.files.iter().find(|f| super::gguf::is_gguf(&f.path)) {
        Some(f) => super::gguf::header(cx, &f.path, &f.sha256, |start, end| {
            super::gguf::file_range(&dir.join(&f.path), start, end)
                .map(Some)
                .map_err(|e| {
                    failure(
                        src,
                        SnapshotError {
                            path: dir.join(&f.path),
                            error: e,
                        },
                    )
                })
        })?,
        None => None,
    };
    Ok(super::Snapshot {
        revision: snap.revision,
        tag: None,
        files: snap.files,
        terms,
        card: None,
        gguf,
    })
}

fn failure(p: &PathSource, e: SnapshotError) -> super::Failure {
    let code = if e.error.kind() == io::ErrorKind::NotFound {
        crate::diag::Code::SourceNotFound
    } else {
        crate::diag::Code::SourceIo
    };
    super::Failure::new(
        code,
        format!("cannot lock `{}`: {e}", p.raw),
        "the directory is resolved relative to models.toml",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::create_dir_all(d.join(".git")).unwrap();
        std::fs::write(d.join("LICENSE"), "Some  terms\r\nhere.").unwrap();
        std::fs::write(d.join("model.bin"), b"weights").unwrap();
        std::fs::write(d.join("sub/config.json"), b"{}").unwrap();
        std::fs::write(d.join(".git/HEAD"), b"ref").unwrap();
        let all = snapshot(d, &|_| true).unwrap();
        let paths: Vec<&str> = all.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["LICENSE", "model.bin", "sub/config.json"]);
        assert_eq!(all.files[1].sha256, sha256_hex(b"weights"));
        assert_eq!(
            all.license_files,
            vec![LicenseFile {
                path: "LICENSE".into(),
                digest: file_digest(b"Some terms here."),
                ..Default::default()
            }]
        );

        // the filter drops files, not the license, and not the revision's view of it
        let bins = snapshot(d, &|p| p.ends_with(".bin")).unwrap();
        assert_eq!(bins.files.len(), 1);
        assert_eq!(bins.license_files, all.license_files);
        assert_ne!(bins.revision, all.revision);

        // a rewrapped license keeps its digest but changes the revision
        std::fs::write(d.join("LICENSE"), "Some terms\nhere.\n").unwrap();
        let again = snapshot(d, &|_| true).unwrap();
        assert_eq!(again.license_files, all.license_files);
        assert_ne!(again.revision, all.revision);
        assert!(snapshot(&d.join("missing"), &|_| true).is_err());
    }
}
