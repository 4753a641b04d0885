//! What the Hub's security scan said of a model's locked files, when it
//! was locked: a flagged file is an error (`policy::scan-flagged`); scans
//! not yet done are a warning (`policy::not-scanned`), never a clean bill.

use crate::date::Date;
use crate::diag::{Code, Diag, FileId};
use crate::hashing::sha256_hex;
use crate::lock::LockedModel;
use crate::manifest::{Finding, Manifest, ModelEntry};

/// What an acceptance of the flagged files names: `sha256:` + the hex
/// sha256 of the lines `PATH\tSHA256\tLEVEL\n` of the flagged locked
/// files, sorted — another file flagged, or another version of one, is
/// not what was accepted. `None` when nothing is flagged.
pub fn flagged_digest(locked: &LockedModel) -> Option<String> {
    let scan = locked.scan.as_ref()?;
    if scan.issues.is_empty() {
        return None;
    }
    let mut lines: Vec<String> = scan
        .issues
        .iter()
        .map(|(p, l)| {
            let sha = locked
                .files
                .iter()
                .find(|f| &f.path == p)
                .map_or("", |f| f.sha256.as_str());
            format!("{p}\t{sha}\t{l}\n")
        })
        .collect();
    lines.sort();
    Some(format!("sha256:{}", sha256_hex(lines.concat().as_bytes())))
}

pub fn check(
    manifest: &Manifest,
    entry: &ModelEntry,
    locked: &LockedModel,
    lock_file: FileId,
    today: Date,
) -> Vec<Diag> {
    let Some(scan) = &locked.scan else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let accepted = flagged_digest(locked)
        .is_some_and(|d| super::acceptance(entry, Finding::ScanFlagged, None, &d, today).is_ok());
    if !scan.issues.is_empty() && !accepted {
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
            .with_help(format!(
                "read the scan on the model's page (the file's security status); leave the files out with `files` globs, or use another model; when a person has checked the files: {}",
                super::diags::accept_command(&entry.name, Finding::ScanFlagged, None)
            )),
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
