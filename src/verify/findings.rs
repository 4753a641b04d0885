//! The findings of `verify`: one diagnostic per file that is not as locked,
//! one per model for its missing files, and the revision a directory holds
//! when it is not the locked one. Each says how to get the locked files.

use super::{FileResult, Status};
use crate::diag::{Code, Diag, FileId};
use crate::lock::LockedModel;
use std::ops::Range;
use std::path::Path;

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A lock entry whose source does not parse.
pub fn invalid_source(m: &LockedModel, lock_file: FileId) -> Diag {
    Diag::error(
        Code::LockParse,
        format!(
            "model `{}` has an invalid source `{}` in models.lock",
            m.name, m.source
        ),
    )
    .with_model(m.name.clone())
    .with_label(lock_file, m.span.clone(), "invalid source")
    .with_help("run `modellock update` to rewrite models.lock")
}

/// A directory (a cache snapshot) that holds other revisions than the
/// locked one.
pub fn wrong_revision(
    m: &LockedModel,
    root: &Path,
    present: &[String],
    lock_file: FileId,
    fetch: String,
) -> Diag {
    Diag::error(
        Code::VerifyWrongRevision,
        format!(
            "`{}` is at {}, but the lock pins {} (in {})",
            m.name,
            present.join(", "),
            m.revision,
            root.display()
        ),
    )
    .with_model(m.name.clone())
    .with_label(lock_file, m.span.clone(), "locked here")
    .with_help(fetch)
}

/// A file that is there but not as locked; `None` for files that are as
/// locked, or missing (reported per model by [`missing`]).
pub fn file(
    r: &FileResult,
    fetch: &str,
    lock_file: FileId,
    span: Option<Range<usize>>,
) -> Option<Diag> {
    let (model, loc, path) = (&r.model, r.location.display(), &r.file.path);
    let d = match &r.status {
        Status::Ok | Status::OkCached | Status::Missing | Status::Incomplete => return None,
        Status::SizeMismatch { actual } => Diag::error(
            Code::VerifySizeMismatch,
            format!("`{path}` of `{model}` has {actual} bytes; the lock says {} ({loc})", r.file.size),
        )
        .with_help(format!("the file is truncated or another version; {fetch}")),
        Status::HashMismatch { actual } => Diag::error(
            Code::VerifyHashMismatch,
            format!("`{path}` of `{model}` is not the locked file: sha256 {actual}, locked {} ({} bytes, {loc})", r.file.sha256, r.file.size),
        )
        .with_help(format!("the bytes on disk differ from what was locked and reviewed: delete the file; {fetch}")),
        Status::Escapes { target } => Diag::error(
            Code::VerifySymlinkEscape,
            format!("`{path}` of `{model}` is a symlink out of the cache, to {} ({loc})", target.display()),
        )
        .with_help("the cache should link into its own blobs/; remove the link and download again"),
        Status::Unreadable { error } => Diag::error(Code::VerifyIo, format!("cannot read `{path}` of `{model}` ({loc}): {error}"))
            .with_help("check the file's permissions"),
    };
    Some(
        d.with_model(model.clone())
            .with_label(lock_file, span, format!("locked `{path}`")),
    )
}

/// The missing (or partly downloaded) files of one model, as one finding.
pub fn missing(
    model: &str,
    absent: &[&FileResult],
    fetch: &str,
    lock_file: FileId,
    span: Option<Range<usize>>,
) -> Diag {
    let list: String = absent
        .iter()
        .map(|r| {
            let partly = if r.status == Status::Incomplete {
                " (only partly downloaded: `.incomplete` files never count)"
            } else {
                ""
            };
            format!("  {}{partly}\n", r.location.display())
        })
        .collect();
    let message = match absent {
        [one] => format!(
            "`{}` of `{model}` is missing ({})",
            one.file.path,
            one.location.display()
        ),
        many => format!("{} of `{model}` are missing", plural(many.len(), "file")),
    };
    Diag::error(Code::VerifyMissingFile, message)
        .with_model(model.to_owned())
        .with_label(lock_file, span, "locked here")
        .with_help(format!(
            "missing:\n{list}{fetch}; or point `--dir` at the files"
        ))
}
