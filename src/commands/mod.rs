//! One module per command. Each gets the resolved [`Context`] and returns
//! the exit status.

pub mod add;
pub mod attest;
pub mod audit;
pub mod check;
pub mod diff;
pub mod fetch;
pub mod init;
pub mod licenses;
pub mod outdated;
pub mod path;
pub mod remove;
pub mod review;
pub mod update;
pub mod verify;

use crate::diag::{self, Diag, Files};
use crate::lock::{self, Lock};
use crate::manifest::{self, Manifest};
use crate::output::Output;
use std::path::PathBuf;

/// Everything a command needs that the command line and environment decide.
pub struct Context {
    pub manifest_path: PathBuf,
    /// Today's date (reviews expire; new reviews are dated).
    pub today: crate::date::Date,
    pub out: Output,
}

impl Context {
    pub fn lock_path(&self) -> PathBuf {
        lock::path_for(&self.manifest_path)
    }

    /// Loads the project (models.toml, models.lock, the store); when it
    /// cannot be loaded, reports why and returns the exit status.
    pub fn load(&self, need: crate::project::LockNeed) -> Result<crate::project::Project, u8> {
        crate::project::Project::load(&self.manifest_path, need).map_err(|s| match s.models {
            Some(n) => {
                self.out
                    .report(&s.diags, &s.files, Some(n), Default::default(), &[]);
                diag::exit_status(&s.diags)
            }
            None => self.fail(&s.diags, &s.files),
        })
    }

    /// Loads a project whose command reads models.lock: the project (its
    /// `lock` taken out), the lock and the lock's file id.
    pub fn load_locked(&self) -> Result<(crate::project::Project, Lock, diag::FileId), u8> {
        let mut project = self.load(crate::project::LockNeed::Required)?;
        match project.lock.take() {
            Some((lock, file)) => Ok((project, lock, file)),
            None => {
                let d: Diag = lock::Missing {
                    path: project.lock_path(),
                }
                .into();
                Err(self.fail(&[d], &project.files))
            }
        }
    }

    /// Takes the project's lock for a command that writes models.toml,
    /// models.lock or the store (before it reads them, so that its edit is
    /// never based on a file another process is about to replace), and
    /// removes the temporary files an interrupted writer left. Waits for
    /// another modellock, saying so, up to MODELLOCK_LOCK_TIMEOUT seconds
    /// (default 300).
    pub fn lock_project(&self) -> Result<crate::fsutil::ProjectLock, u8> {
        use crate::fsutil::{lock_project, LockError};
        let dir = match self.manifest_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let timeout = std::env::var("MODELLOCK_LOCK_TIMEOUT")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(300);
        let waiting = || {
            self.out.status(
                "Waiting",
                &format!("for another modellock in this project ({})", dir.display()),
            )
        };
        match lock_project(&dir, std::time::Duration::from_secs(timeout), waiting) {
            Ok(lock) => {
                let now = std::time::SystemTime::now();
                let ours = [manifest::FILE_NAME, lock::FILE_NAME];
                crate::fsutil::sweep_temps(&dir, Some(&ours), now);
                crate::license::Store::beside(&self.manifest_path).sweep_temps(now);
                Ok(lock)
            }
            // no directory to lock yet: the command reports the missing manifest
            Err(LockError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(self.fail(&[missing_dir(&dir)], &Files::new()))
            }
            Err(LockError::Io(e)) => {
                let d = Diag::error(
                    diag::Code::ProjectLocked,
                    format!("cannot lock the project directory `{}`: {e}", dir.display()),
                )
                .with_help("check that the directory exists and is readable");
                Err(self.fail(&[d], &Files::new()))
            }
            Err(LockError::Busy { waited }) => {
                let d = Diag::error(
                    diag::Code::ProjectLocked,
                    format!(
                        "another modellock held this project's lock for {} s; nothing was written",
                        waited.as_secs()
                    ),
                )
                .with_help("wait for it to finish and run the command again, or raise MODELLOCK_LOCK_TIMEOUT");
                Err(self.fail(&[d], &Files::new()))
            }
        }
    }

    /// Prints diagnostics alone (for commands that stop early) and returns
    /// the exit status they imply.
    pub fn fail(&self, diags: &[Diag], files: &Files) -> u8 {
        let status = diag::exit_status(diags).max(1);
        self.out
            .report_with_status(diags, files, None, Default::default(), &[], status);
        status
    }
}

/// Writes an edited models.toml: the edit (`Err` is why it could not be
/// made) must load as cleanly as the original did, and the file is replaced
/// atomically. On failure, reports it and returns the exit status; the file
/// is then unchanged.
pub fn write_manifest(
    ctx: &Context,
    manifest: &Manifest,
    files: &Files,
    edited: Result<String, String>,
    what: &str,
) -> Result<(), u8> {
    use crate::diag::Code;
    let text = edited.map_err(|e| {
        let d = Diag::error(
            Code::ManifestEdit,
            format!("cannot {what} in models.toml: {e}"),
        )
        .with_help("models.toml is unchanged; write the entry as a `[models.NAME]` table, or make the edit by hand");
        ctx.fail(&[d], files)
    })?;
    let mut check_files = Files::new();
    let (_, after) = manifest::load_str(&manifest.path, text.clone(), &mut check_files);
    if after.iter().any(Diag::is_fatal) {
        return Err(ctx.fail(&after, &check_files));
    }
    crate::fsutil::write_atomic(&manifest.path, text.as_bytes()).map_err(|e| {
        let d = Diag::error(
            Code::ManifestIo,
            format!("cannot write `{}`: {e}", manifest.path.display()),
        )
        .with_help("check that the file and its directory are writable; models.toml is unchanged");
        ctx.fail(&[d], files)
    })
}

fn missing_dir(dir: &std::path::Path) -> Diag {
    Diag::error(
        diag::Code::ManifestNotFound,
        format!("the directory `{}` does not exist", dir.display()),
    )
    .with_help("pass --manifest-path with the models.toml of an existing project, or run `modellock init` in one")
}

/// A warning for a Hub token file that is there but cannot be read: the
/// command goes on without a token, and says so.
pub fn token_warning(env: &crate::env::Env) -> Option<Diag> {
    let (path, error) = env.token_file_problem.as_ref()?;
    Some(
        Diag::warning(
            diag::Code::SourceTokenUnreadable,
            format!(
                "the Hub token file `{}` cannot be read ({error}); going on without a token",
                path.display()
            ),
        )
        .with_help("fix its permissions, or set HF_TOKEN; gated and private repos need a token"),
    )
}

/// The entries a command names (every entry, in file order, when it names
/// none); each name models.toml does not have is a diagnostic, once.
pub fn select<'m>(
    manifest: &'m Manifest,
    names: &[String],
) -> Result<Vec<&'m manifest::ModelEntry>, Vec<Diag>> {
    let wanted: std::collections::HashSet<&str> = names.iter().map(String::as_str).collect();
    let mut reported = std::collections::HashSet::new();
    let unknown: Vec<Diag> = names
        .iter()
        .filter(|n| manifest.model(n).is_none() && reported.insert(n.as_str()))
        .map(|n| unknown_model(manifest, n))
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    Ok(manifest
        .models
        .iter()
        .filter(|e| wanted.is_empty() || wanted.contains(e.name.as_str()))
        .collect())
}

/// A command named a model that models.toml does not have.
pub fn unknown_model(manifest: &Manifest, name: &str) -> Diag {
    unknown_name(
        "models.toml",
        manifest.models.iter().map(|m| m.name.as_str()),
        name,
    )
}

/// A command named a model that `file` (models.toml, models.lock) does not
/// have: the closest name, else the names there are.
pub fn unknown_name<'a>(
    file: &str,
    names: impl Iterator<Item = &'a str> + Clone,
    name: &str,
) -> Diag {
    let help = match diag::did_you_mean(name, names.clone()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => {
            let all: Vec<&str> = names.take(12).collect();
            if all.is_empty() {
                format!("{file} has no models yet: `modellock add SOURCE` adds one")
            } else {
                format!("the models of {file}: {}", all.join(", "))
            }
        }
    };
    Diag::error(
        diag::Code::ManifestUnknownModel,
        format!("{file} has no model `{name}`"),
    )
    .with_model(name)
    .with_help(help)
}
