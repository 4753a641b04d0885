//! The report of `verify`: each checked file (JSON) and one summary line.

use crate::verify::{FileResult, Status};
use serde::Serialize;
use std::time::Duration;

/// One checked file, as JSON reports show it.
#[derive(Serialize)]
pub struct FileReport<'a> {
    model: &'a str,
    path: &'a str,
    location: String,
    size: u64,
    sha256: &'a str,
    status: &'static str,
    /// The size or sha256 found, when it is not the locked one.
    actual: Option<serde_json::Value>,
}

/// The JSON fields of `verify`'s report.
#[derive(Serialize)]
pub struct Report<'a> {
    pub files: Vec<FileReport<'a>>,
}

impl<'a> Report<'a> {
    pub fn new(results: &'a [FileResult]) -> Report<'a> {
        let files = results
            .iter()
            .map(|r| FileReport {
                model: &r.model,
                path: &r.file.path,
                location: r.location.display().to_string(),
                size: r.file.size,
                sha256: &r.file.sha256,
                status: status_name(&r.status),
                actual: match &r.status {
                    Status::HashMismatch { actual } => Some(actual.as_str().into()),
                    Status::SizeMismatch { actual } => Some((*actual).into()),
                    _ => None,
                },
            })
            .collect();
        Report { files }
    }
}

fn status_name(s: &Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::OkCached => "ok-unchanged",
        Status::Missing => "missing",
        Status::Incomplete => "incomplete",
        Status::SizeMismatch { .. } => "size-mismatch",
        Status::HashMismatch { .. } => "hash-mismatch",
        Status::Escapes { .. } => "symlink-escape",
        Status::Unreadable { .. } => "unreadable",
    }
}

/// `Verified 12 of 12 files (4.2 GiB) of 2 models in 1.93 s (2.2 GiB/s)`.
pub fn summary(results: &[FileResult], models: usize, elapsed: Duration) -> String {
    let ok = results
        .iter()
        .filter(|r| matches!(r.status, Status::Ok | Status::OkCached))
        .count();
    let cached = results
        .iter()
        .filter(|r| r.status == Status::OkCached)
        .count();
    let bad = results.len() - ok;
    let bytes: u64 = results.iter().map(|r| r.file.size).sum();
    let secs = elapsed.as_secs_f64().max(1e-9);
    format!(
        "{:>12} {ok} of {} ({}) of {} in {:.2} s ({}/s){}{}",
        "Verified",
        super::count(results.len(), "file", "files"),
        indicatif::HumanBytes(bytes),
        super::count(models, "model", "models"),
        secs,
        indicatif::HumanBytes((bytes as f64 / secs) as u64),
        if cached > 0 {
            format!("; {cached} unchanged since last hashed")
        } else {
            String::new()
        },
        if bad > 0 {
            format!("; {bad} not as locked")
        } else {
            String::new()
        }
    )
}
