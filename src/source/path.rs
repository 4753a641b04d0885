//! Local directories (`path:DIR`), relative to the manifest.

use super::SourceError;
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
            return Err(SourceError::new("the directory contains a NUL byte", ""));
        }
        Ok(PathSource { raw: s.to_owned() })
    }

    /// The directory, resolved against the manifest's directory.
    pub fn resolve(&self, manifest_dir: &Path) -> PathBuf {
        manifest_dir.join(&self.raw)
    }

    pub fn last_component(&self) -> String {
        Path::new(self.raw.trim_end_matches('/'))
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".to_owned())
    }
}
