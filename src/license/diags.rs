//! Diagnostics about the license text store.

use super::store::Gaps;
use crate::diag::{Code, Diag, FileId};
use std::ops::Range;

type Span = Option<Range<usize>>;

/// The store lacks, or holds damaged, entries that a locked model needs.
pub struct StoreGaps {
    pub model: String,
    pub gaps: Gaps,
    pub file: FileId,
    pub entry_span: Span,
    pub lock_file: FileId,
    pub lock_span: Span,
}

/// `LICENSE, USE_POLICY.md and the terms`
fn what(items: &[(String, String)]) -> String {
    let names: Vec<String> = items
        .iter()
        .map(|(_, w)| {
            if w == "terms" {
                "the terms list".to_owned()
            } else if w.starts_with("terms of ") {
                format!("the {w}")
            } else {
                format!("`{w}`")
            }
        })
        .collect();
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

fn paths(items: &[(String, String)]) -> String {
    items
        .iter()
        .map(|(path, _)| format!("  {path}\n"))
        .collect()
}

impl From<StoreGaps> for Vec<Diag> {
    fn from(d: StoreGaps) -> Vec<Diag> {
        let mut out = Vec::new();
        let with_spans = |diag: Diag| {
            diag.with_model(d.model.clone())
                .with_label(d.file, d.entry_span.clone(), "this model")
                .with_label(d.lock_file, d.lock_span.clone(), "locked terms")
        };
        if !d.gaps.missing.is_empty() {
            out.push(with_spans(
                Diag::error(
                    Code::LicenseTextMissing,
                    format!(
                        "the license store lacks {} of model `{}`",
                        what(&d.gaps.missing),
                        d.model
                    ),
                )
                .with_help(format!(
                    "missing:\n{}run `modellock update {}` to fetch them into .modellock/, and commit .modellock/ with models.lock: it keeps the exact texts that were reviewed, and lets `diff` and `check` work offline",
                    paths(&d.gaps.missing),
                    d.model
                )),
            ));
        }
        if !d.gaps.unreadable.is_empty() {
            out.push(with_spans(
                Diag::error(
                    Code::LicenseStoreIo,
                    format!(
                        "the license store's copy of {} of model `{}` cannot be read",
                        what(&d.gaps.unreadable),
                        d.model
                    ),
                )
                .with_help(format!(
                    "unreadable:\n{}check the permissions of .modellock/; `check` cannot judge terms it cannot read",
                    paths(&d.gaps.unreadable)
                )),
            ));
        }
        let damaged = &d.gaps.mismatched;
        if !damaged.is_empty() {
            out.push(with_spans(
                Diag::error(
                    Code::LicenseTextMismatch,
                    format!(
                        "the license store's copy of {} of model `{}` does not match its digest",
                        what(damaged),
                        d.model
                    ),
                )
                .with_help(format!(
                    "damaged:\n{}store entries are named by the digest of their content and never edited: restore them with `git checkout -- .modellock`, or delete them and run `modellock update`",
                    paths(damaged)
                )),
            ));
        }
        if !d.gaps.lock_disagrees.is_empty() {
            out.push(with_spans(
                Diag::error(
                    Code::LockTermsMismatch,
                    format!(
                        "the lock of model `{}` does not agree with the terms its license-digest names",
                        d.model
                    ),
                )
                .with_help(format!(
                    "{}\nthe store's entry is intact (named by its own sha256), so models.lock was edited by hand or merged badly: run `modellock update {}` to lock what the source says (and `modellock update --locked` in CI to prove the lock)",
                    d.gaps.lock_disagrees.iter().map(|l| format!("  {l}\n")).collect::<String>(),
                    d.model
                )),
            ));
        }
        out
    }
}

/// The license store could not be written (`update` then writes no lock).
pub struct StoreWriteFailed {
    pub root: std::path::PathBuf,
    pub error: std::io::Error,
}

impl From<StoreWriteFailed> for Diag {
    fn from(d: StoreWriteFailed) -> Diag {
        Diag::error(
            Code::LicenseStoreIo,
            format!(
                "cannot write the license texts to `{}`: {}",
                d.root.display(),
                d.error
            ),
        )
        .with_help(
            "check that the directory beside models.toml is writable; models.lock is unchanged",
        )
    }
}

/// `MODELLOCK_FINGERPRINTS` names a file that cannot be read or parsed.
pub struct FingerprintsInvalid {
    pub error: String,
}

impl From<FingerprintsInvalid> for Diag {
    fn from(d: FingerprintsInvalid) -> Diag {
        Diag::error(Code::LicenseFingerprints, d.error).with_help(
            "MODELLOCK_FINGERPRINTS names a file written by `cargo run --example fingerprints -- DIR --out FILE`; fix or unset it",
        )
    }
}
