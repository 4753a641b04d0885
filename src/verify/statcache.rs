//! The stat cache: after a file was hashed, (path, size, mtime, ctime,
//! inode, device) → its sha256, so that an unchanged file is not read
//! again. ctime cannot be set by a user (`touch -r` restores mtime, not
//! ctime), so a rewrite with a restored mtime is still noticed.

use crate::cache::Cache;
use std::path::Path;

/// The identity of a file's current content as the file system reports it.
pub fn stat_key(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    let abs = std::fs::canonicalize(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(format!(
            "{}\n{}\n{}\n{}.{}\n{}.{}\n{}",
            meta.dev(),
            meta.ino(),
            meta.len(),
            meta.mtime(),
            meta.mtime_nsec(),
            meta.ctime(),
            meta.ctime_nsec(),
            abs.display()
        ))
    }
    #[cfg(not(unix))]
    {
        let mtime = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        Some(format!(
            "{}\n{}\n{}",
            meta.len(),
            mtime.as_nanos(),
            abs.display()
        ))
    }
}

pub fn lookup(cache: &Cache, key: &str) -> Option<String> {
    cache.get::<String>("stat", key)
}

pub fn record(cache: &Cache, key: &str, sha256: &str) {
    if lookup(cache, key).as_deref() == Some(sha256) {
        return;
    }
    cache.put("stat", key, &sha256.to_owned());
}
