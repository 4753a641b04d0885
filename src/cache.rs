//! The metadata cache: facts keyed by immutable ids (a commit, a git blob
//! id, a layer digest), so that a second `update` with nothing changed
//! downloads no file content. It lives in the user's cache directory
//! (`$XDG_CACHE_HOME/modellock`, `MODELLOCK_CACHE_DIR` to override). It is
//! best-effort: an unreadable or unwritable cache only costs requests.

use crate::hashing::sha256_hex;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct Cache {
    dir: Option<PathBuf>,
}

#[derive(Serialize, Deserialize)]
struct Entry<T> {
    key: String,
    value: T,
}

impl Cache {
    pub fn new(dir: PathBuf) -> Cache {
        Cache { dir: Some(dir) }
    }

    pub fn disabled() -> Cache {
        Cache { dir: None }
    }

    fn path(&self, kind: &str, key: &str) -> Option<PathBuf> {
        let hash = sha256_hex(key.as_bytes());
        Some(
            self.dir
                .as_ref()?
                .join("v1")
                .join(kind)
                .join(&hash[..2])
                .join(format!("{hash}.json")),
        )
    }

    pub fn get<T: DeserializeOwned>(&self, kind: &str, key: &str) -> Option<T> {
        let bytes = std::fs::read(self.path(kind, key)?).ok()?;
        let entry: Entry<T> = serde_json::from_slice(&bytes).ok()?;
        (entry.key == key).then_some(entry.value)
    }

    pub fn put<T: Serialize>(&self, kind: &str, key: &str, value: &T) {
        let Some(path) = self.path(kind, key) else {
            return;
        };
        let Ok(bytes) = serde_json::to_vec(&Entry {
            key: key.to_owned(),
            value,
        }) else {
            return;
        };
        if let Some(parent) = path.parent() {
            if std::fs::create_dir_all(parent).is_err() {
                return;
            }
        }
        let _ = crate::fsutil::replace_unsynced(&path, &bytes);
    }

    /// Forgets an entry (best-effort, as every write here).
    pub fn remove(&self, kind: &str, key: &str) {
        if let Some(path) = self.path(kind, key) {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_misses() {
        let dir = tempfile::tempdir().unwrap();
        let c = Cache::new(dir.path().to_owned());
        assert_eq!(c.get::<String>("k", "a"), None);
        c.put("k", "a", &"value".to_owned());
        assert_eq!(c.get::<String>("k", "a").as_deref(), Some("value"));
        assert_eq!(c.get::<String>("other", "a"), None);
        let off = Cache::disabled();
        off.put("k", "a", &1);
        assert_eq!(off.get::<i32>("k", "a"), None);
    }
}
