//! What the Hub's security scan said of a model's locked files, when it
//! was locked: a flagged file is an error (`policy::scan-flagged`); scans
//! not yet done are a warning (`policy::not-scanned`), never a clean bill.

use crate::diag::{Code, Diag, FileId};
use crate::lock::LockedModel;
use crate::manifest::{Manifest, ModelEntry};

pub fn check(
    manifest: &Manifest,
    entry: &ModelEntry,
    locked: &LockedModel,
    lock_file: FileId,
) -> Vec<Diag> {
    let Some(scan) = &locked.scan else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if !scan.issues.is_empty() {
        let listed: Vec<String> = scan
            .issues
            .iter()
            .map(|(p, l)| format!("{p} ({l})"))
            .collect();
        out.push(
            Diag::error(
                Code::PolicyScanFlagged,
                format!(
                    "the Hub's security scan flags files of model `{}`: {}",
                    entry.name,
                    listed.join(", ")
                ),
            )
            .with_model(entry.name.clone())
            .with_label(manifest.file, entry.anchor(), "this model")
            .with_label(lock_file, locked.span.clone(), "locked with them")
            .with_help("read the scan on the model's page (the file's security status); leave the files out with `files` globs, or use another model"),
        );
    }
    if !scan.done {
        out.push(
            Diag::warning(
                Code::PolicyNotScanned,
                format!(
                    "the Hub had not finished scanning the files of model `{}` when it was locked",
                    entry.name
                ),
            )
            .with_model(entry.name.clone())
            .with_label(manifest.file, entry.anchor(), "this model")
            .with_help(
                "not scanned is not clean: run `modellock update` later to lock the scan's verdict",
            ),
        );
    }
    out
}
