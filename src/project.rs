//! A project as every command reads it: models.toml, models.lock beside it
//! (when there is one) and the license store, loaded once, with the
//! diagnostics of loading kept for the command's report.

use crate::diag::{Diag, FileId, Files};
use crate::license::Store;
use crate::lock::{self, Lock};
use crate::manifest::{self, Manifest};
use std::path::{Path, PathBuf};

/// What a command needs of models.lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockNeed {
    /// The command reads the lock: a missing one stops it (`lock::missing`).
    Required,
    /// The command works without a lock (`update`, `review`, `audit`…).
    Optional,
    /// The command does not read the lock (`add`).
    None,
}

/// A loaded project.
pub struct Project {
    pub manifest: Manifest,
    /// models.lock and its file id for labels; `None` when there is none.
    pub lock: Option<(Lock, FileId)>,
    /// The license store beside the manifest.
    pub store: Store,
    /// The files diagnostics point into.
    pub files: Files,
    /// What loading found that does not stop the command (warnings).
    pub diags: Vec<Diag>,
}

/// Why a project could not be loaded.
pub struct Stopped {
    pub diags: Vec<Diag>,
    pub files: Files,
    /// How many models the manifest has, when it loaded.
    pub models: Option<usize>,
}

impl Project {
    pub fn load(manifest_path: &Path, need: LockNeed) -> Result<Project, Stopped> {
        let mut files = Files::new();
        let (manifest, mut diags) = manifest::load(manifest_path, &mut files);
        let manifest = match manifest {
            Some(m) if !diags.iter().any(Diag::is_fatal) => m,
            _ => {
                return Err(Stopped {
                    diags,
                    files,
                    models: None,
                })
            }
        };
        let lock_path = lock::path_for(manifest_path);
        let read = match need {
            LockNeed::None => Ok(None),
            _ => read_lock(lock_path.clone(), &mut files, &mut diags),
        };
        let lock = match read {
            Ok(Some(l)) => Some(l),
            Ok(None) if need != LockNeed::Required => None,
            Ok(None) => {
                diags.push(lock::Missing { path: lock_path }.into());
                let models = Some(manifest.models.len());
                return Err(Stopped {
                    diags,
                    files,
                    models,
                });
            }
            Err(()) => {
                return Err(Stopped {
                    diags,
                    files,
                    models: None,
                })
            }
        };
        Ok(Project {
            store: Store::beside(&manifest.path),
            manifest,
            lock,
            files,
            diags,
        })
    }

    /// The lock, when there is one.
    pub fn lock(&self) -> Option<&Lock> {
        self.lock.as_ref().map(|(l, _)| l)
    }

    pub fn lock_path(&self) -> PathBuf {
        lock::path_for(&self.manifest.path)
    }
}

/// Reads and parses models.lock: `Ok(None)` when there is none, `Err` when
/// it cannot be read or parsed (the diagnostics say why).
fn read_lock(
    path: PathBuf,
    files: &mut Files,
    diags: &mut Vec<Diag>,
) -> Result<Option<(Lock, FileId)>, ()> {
    let text = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            diags.push(lock::ReadFailed { path, error }.into());
            return Err(());
        }
    };
    // one copy of the text, kept by the file registry for diagnostics
    let text = String::from_utf8(text)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    let file = files.add(path.display().to_string(), text);
    let text = files.text(file).clone();
    let (lock, d) = lock::parse(&text, file);
    diags.extend(d);
    lock.map(|l| Some((l, file))).ok_or(())
}
