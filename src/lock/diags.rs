//! Diagnostics about models.lock.

use crate::diag::{Code, Diag, FileId};
use std::ops::Range;
use std::path::PathBuf;

pub struct ReadFailed {
    pub path: PathBuf,
    pub error: std::io::Error,
}

impl From<ReadFailed> for Diag {
    fn from(d: ReadFailed) -> Diag {
        Diag::error(
            Code::LockIo,
            format!("cannot read `{}`: {}", d.path.display(), d.error),
        )
        .with_help("check that the file is readable")
    }
}

pub struct WriteFailed {
    pub path: PathBuf,
    pub error: std::io::Error,
}

impl From<WriteFailed> for Diag {
    fn from(d: WriteFailed) -> Diag {
        Diag::error(Code::LockIo, format!("cannot write `{}`: {}", d.path.display(), d.error))
            .with_help("check that the directory is writable and the disk has room; the previous file is unchanged")
    }
}

pub struct Missing {
    pub path: PathBuf,
}

impl From<Missing> for Diag {
    fn from(d: Missing) -> Diag {
        Diag::error(
            Code::LockMissing,
            format!("there is no lock file at `{}`", d.path.display()),
        )
        .with_help(
            "run `modellock update` to resolve the models and write models.lock, then commit it",
        )
    }
}

pub struct Invalid {
    pub file: FileId,
    pub message: String,
    pub span: Option<Range<usize>>,
    pub label: String,
}

impl From<Invalid> for Diag {
    fn from(d: Invalid) -> Diag {
        Diag::error(Code::LockParse, format!("models.lock is invalid: {}", d.message))
            .with_label(d.file, d.span, d.label)
            .with_help("models.lock is generated: restore it from version control, or run `modellock update` to write it anew")
    }
}

pub struct UnsupportedVersion {
    pub file: FileId,
    pub found: String,
    pub span: Option<Range<usize>>,
}

impl From<UnsupportedVersion> for Diag {
    fn from(d: UnsupportedVersion) -> Diag {
        Diag::error(
            Code::LockVersion,
            format!(
                "models.lock has format version {}, but this modellock understands only version {}",
                d.found,
                super::VERSION
            ),
        )
        .with_label(d.file, d.span, "unsupported version")
        .with_help("the lock was probably written by a newer modellock: upgrade modellock (from its repository: `cargo install --path . --locked`)")
    }
}

/// A model whose lock entry no longer matches models.toml, or that is in
/// only one of the two files.
pub struct Stale {
    pub model: String,
    pub manifest_file: FileId,
    pub manifest_span: Option<Range<usize>>,
    pub lock_file: FileId,
    pub lock_span: Option<Range<usize>>,
    pub kind: StaleKind,
}

pub enum StaleKind {
    NotLocked,
    NotInManifest,
    Changed(Vec<String>),
}

impl From<Stale> for Diag {
    fn from(d: Stale) -> Diag {
        let m = &d.model;
        let (message, help) = match &d.kind {
            StaleKind::NotLocked => (
                format!("model `{m}` is not in models.lock"),
                format!("run `modellock update {m}` to lock it, then commit models.lock"),
            ),
            StaleKind::NotInManifest => (
                format!("models.lock has model `{m}`, which models.toml no longer lists"),
                "run `modellock update` to drop it from models.lock".to_owned(),
            ),
            StaleKind::Changed(diffs) => (
                format!(
                    "the lock of model `{m}` is out of date: {}",
                    diffs.join("; ")
                ),
                format!("run `modellock update {m}` to lock what models.toml asks for"),
            ),
        };
        Diag::error(Code::LockStale, message)
            .with_model(d.model.clone())
            .with_label(d.manifest_file, d.manifest_span, "in models.toml")
            .with_label(d.lock_file, d.lock_span, "in models.lock")
            .with_help(help)
    }
}
