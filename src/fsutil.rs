//! File system helpers: atomic replacement of a file (never through a
//! symbolic link), and the advisory lock writers of a project hold.

use std::io::{self, Write};
use std::path::Path;

/// Replaces `path` with `bytes` atomically: the bytes go to a temporary file
/// in the same directory, which is flushed to disk and then renamed over
/// `path`. A failure at any step leaves the previous file as it was. The
/// permissions of an existing file are kept.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_via_temp(path, |f| f.write_all(bytes), true, true)
}

/// Like [`write_atomic`] (readers see the old file or the new one, never a
/// torn one) but without flushing to disk: for caches, where losing a
/// recent write after a crash costs only a recomputation.
pub fn replace_unsynced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_via_temp(path, |f| f.write_all(bytes), true, false)
}

/// Creates `path` with `bytes`, atomically, failing with `AlreadyExists`
/// rather than replacing a file that is there.
pub fn create_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_via_temp(path, |f| f.write_all(bytes), false, true)
}

/// The error for a file that is a symbolic link: modellock never writes
/// through one (a link committed to a repository could point anywhere, such
/// as a file in the user's home), and never replaces one with a file.
pub fn refuse_link(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is a symbolic link, and modellock does not write through links: replace the link with the file itself",
        )),
        _ => Ok(()),
    }
}

fn write_via_temp(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> io::Result<()>,
    replace: bool,
    durable: bool,
) -> io::Result<()> {
    refuse_link(path)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // A new file gets the usual mode (0666 less the umask), not the 0600 of
    // a temporary file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    let _live = Live::register(tmp.path());
    write(tmp.as_file_mut())?;
    if durable {
        tmp.as_file().sync_all()?;
    }
    if let Ok(meta) = std::fs::metadata(path) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    if replace {
        tmp.persist(path).map_err(|e| e.error)?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| e.error)?;
    }
    if durable {
        sync_dir(dir);
    }
    Ok(())
}

/// The temporary files being written now, so that an interrupt (Ctrl-C)
/// can remove them before the process exits.
static LIVE: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());

fn live() -> std::sync::MutexGuard<'static, Vec<std::path::PathBuf>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// A temporary file registered while it is written.
struct Live(std::path::PathBuf);

impl Live {
    fn register(path: &Path) -> Live {
        live().push(path.to_owned());
        Live(path.to_owned())
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        live().retain(|p| p != &self.0);
    }
}

/// Removes every temporary file being written (from the interrupt
/// handler; the process exits right after).
pub fn remove_live_temps() {
    for p in live().iter() {
        let _ = std::fs::remove_file(p);
    }
}

/// The prefix and suffix of the temporary files [`write_atomic`] leaves
/// behind when it is killed: `.NAME.XXXXXX.tmp` beside `NAME`.
/// The file a temporary file of ours stands for (`.NAME.XXXXXX.tmp` →
/// `NAME`), if the name has that shape.
fn temp_target(name: &str) -> Option<&str> {
    let inner = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (target, random) = inner.rsplit_once('.')?;
    (!target.is_empty() && random.len() == 6 && random.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then_some(target)
}

/// Removes, in one listing of `dir`, the temporary files an interrupted
/// write left there (named as [`write_atomic`] names them, and older than
/// `before`): those of the files `targets` names, or of any file when it
/// names none. Best effort: what cannot be removed stays.
pub fn sweep_temps(dir: &Path, targets: Option<&[&str]>, before: std::time::SystemTime) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name();
        let Some(target) = n.to_str().and_then(temp_target) else {
            continue;
        };
        if targets.is_some_and(|t| !t.contains(&target)) {
            continue;
        }
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t < before);
        if old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// An exclusive advisory lock on a project directory, held by every
/// command that writes models.toml, models.lock or the license store, and
/// released when dropped (or when the process ends, however it ends).
pub struct ProjectLock {
    _dir: std::fs::File,
}

/// How taking a project lock ended.
#[derive(Debug)]
pub enum LockError {
    /// Another process held it for all of `waited`.
    Busy {
        waited: std::time::Duration,
    },
    Io(io::Error),
}

/// Locks the directory `dir` (the manifest's): at once when it is free;
/// otherwise calls `waiting` once and waits up to `timeout`.
pub fn lock_project(
    dir: &Path,
    timeout: std::time::Duration,
    waiting: impl FnOnce(),
) -> Result<ProjectLock, LockError> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let file = std::fs::File::open(dir).map_err(LockError::Io)?;
    let started = std::time::Instant::now();
    let mut waiting = Some(waiting);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(ProjectLock { _dir: file }),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => return Err(LockError::Io(e)),
        }
        if let Some(w) = waiting.take() {
            w();
        }
        let waited = started.elapsed();
        if waited >= timeout {
            return Err(LockError::Busy { waited });
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Flushes a directory entry change (the rename) to disk where supported.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_file_names() {
        assert_eq!(temp_target(".models.lock.a1B2c3.tmp"), Some("models.lock"));
        assert_eq!(
            temp_target(".sha256-ab.txt.q1w2e3.tmp"),
            Some("sha256-ab.txt")
        );
        for not_ours in [
            ".models.lock.notours",
            "models.lock.a1B2c3.tmp",
            "..abcdef.tmp",
            ".x.abc.tmp",
        ] {
            assert_eq!(temp_target(not_ours), None, "{not_ours}");
        }
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("models.lock");
        std::fs::write(&path, b"old contents\n").unwrap();
        let err = write_via_temp(
            &path,
            |f| {
                f.write_all(b"half of the new")?;
                Err(io::Error::other("disk full"))
            },
            true,
            true,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(std::fs::read(&path).unwrap(), b"old contents\n");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn replaces_and_creates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("models.toml");
        create_new(&path, b"a").unwrap();
        assert_eq!(
            create_new(&path, b"b").unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"a");
        write_atomic(&path, b"c").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"c");
        assert!(leftovers(dir.path()).is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // a new file gets the mode any new file gets (0666 less the umask)
            let plain = dir.path().join("plain");
            std::fs::write(&plain, b"x").unwrap();
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode();
            assert_eq!(mode(&path), mode(&plain));
        }
    }
}
