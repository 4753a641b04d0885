//! File system helpers: atomic replacement of a file.

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

fn write_via_temp(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> io::Result<()>,
    replace: bool,
    durable: bool,
) -> io::Result<()> {
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
