//! The reports of `fetch` (each locked file and what became of it, one
//! summary line) and `path` (where each locked model is for its users).

use crate::fetch::{FileOutcome, Status};
use crate::verify::{FileResult, Status as Checked};
use serde::Serialize;
use std::time::Duration;

/// One locked file, as JSON reports show it.
#[derive(Serialize)]
pub struct FileReport<'a> {
    model: &'a str,
    path: &'a str,
    location: String,
    size: u64,
    sha256: &'a str,
    /// `present`, `linked` (its blob was there), `fetched` or `failed`.
    status: &'static str,
}

/// The JSON fields of `fetch`'s report.
#[derive(Serialize)]
pub struct Report<'a> {
    pub files: Vec<FileReport<'a>>,
    /// Bytes downloaded.
    pub downloaded: u64,
}

impl<'a> Report<'a> {
    /// The files of `hf:` and `ollama:` models, and of `path:` models
    /// (verified where they are).
    pub fn new(
        fetched: &'a [FileOutcome],
        verified: &'a [FileResult],
        downloaded: u64,
    ) -> Report<'a> {
        let mut files: Vec<FileReport> = fetched
            .iter()
            .map(|f| FileReport {
                model: &f.model,
                path: &f.file.path,
                location: f.location.display().to_string(),
                size: f.file.size,
                sha256: &f.file.sha256,
                status: match f.status {
                    Status::Present => "present",
                    Status::Linked => "linked",
                    Status::Fetched => "fetched",
                    Status::Failed => "failed",
                },
            })
            .chain(verified.iter().map(|r| FileReport {
                model: &r.model,
                path: &r.file.path,
                location: r.location.display().to_string(),
                size: r.file.size,
                sha256: &r.file.sha256,
                status: if matches!(r.status, Checked::Ok | Checked::OkCached) {
                    "present"
                } else {
                    "failed"
                },
            }))
            .collect();
        files.sort_by(|a, b| (a.model, a.path).cmp(&(b.model, b.path)));
        Report { files, downloaded }
    }

    /// `Fetched 3 files (2.0 GiB) of 2 models in 1.21 s (1.6 GiB/s); 5 files already there`.
    pub fn summary(&self, models: usize, elapsed: Duration) -> String {
        let fetched = self.files.iter().filter(|f| f.status == "fetched").count();
        let linked = self.files.iter().filter(|f| f.status == "linked").count();
        let present = self.files.iter().filter(|f| f.status == "present").count();
        let secs = elapsed.as_secs_f64().max(1e-9);
        let mut line = format!(
            "{:>12} {} ({}) of {} in {secs:.2} s ({}/s)",
            "Fetched",
            super::count(fetched, "file", "files"),
            indicatif::HumanBytes(self.downloaded),
            super::count(models, "model", "models"),
            indicatif::HumanBytes((self.downloaded as f64 / secs) as u64),
        );
        if linked > 0 {
            line.push_str(&format!("; {linked} linked from blobs already there"));
        }
        if present > 0 {
            line.push_str(&format!(
                "; {} already there and verified",
                super::count(present, "file", "files")
            ));
        }
        line
    }
}

/// Where a locked model is, as `path --format json` shows it.
#[derive(Serialize)]
pub struct Place {
    pub name: String,
    pub source: String,
    /// The locked commit or manifest digest.
    pub revision: String,
    /// The revision models.toml asks for (a branch, tag or commit).
    pub requested: Option<String>,
    /// The tag a `version` requirement resolved to.
    pub tag: Option<String>,
    /// The snapshot directory, the Ollama model name, or the directory.
    pub path: String,
    /// Whether it is on this machine at the locked revision.
    pub present: bool,
}

#[derive(Serialize)]
pub struct Places {
    pub models: Vec<Place>,
}
