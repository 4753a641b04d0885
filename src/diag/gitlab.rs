//! `--format gitlab`: a GitLab Code Quality report (a JSON array of issues,
//! `artifacts:reports:codequality`), so that findings show in the merge
//! request's Code Quality widget on their lines of models.toml.

use super::github::relative_path;
use super::{Diag, Files, Severity};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// GitLab's severities: an error fails the gate (`critical`), a warning is
/// `minor`, advice `info`.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "critical",
        Severity::Warning => "minor",
        Severity::Advice => "info",
    }
}

/// One issue. Its fingerprint names the finding (code, model, file,
/// message), not its line, so that GitLab tells new findings from old ones
/// across commits that move lines.
fn issue(d: &Diag, files: &Files, fallback_path: &str) -> Value {
    let (path, line) = match d.labels.first() {
        Some(l) => (
            relative_path(files.name(l.file)),
            files.location(l.file, l.span.start).0,
        ),
        None => (fallback_path.to_owned(), 1),
    };
    let mut description = d.message.clone();
    if let Some(help) = &d.help {
        description.push_str("\n\n");
        description.push_str(help);
    }
    let mut h = Sha256::new();
    for part in [
        d.code.as_str(),
        d.model.as_deref().unwrap_or(""),
        &path,
        &d.message,
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    json!({
        "type": "issue",
        "description": description,
        "check_name": d.code.as_str(),
        "categories": ["Security"],
        "fingerprint": h.finalize().iter().map(|b| format!("{b:02x}")).collect::<String>(),
        "severity": severity(d.severity),
        "location": {"path": path, "lines": {"begin": line}},
    })
}

/// The report: an issue per diagnostic; a diagnostic that points at no file
/// is placed on line 1 of the manifest (the first models.toml read).
pub fn render(diags: &[Diag], files: &Files) -> Value {
    // the manifest's file name (diagnostics sit below the manifest module)
    let manifest = "models.toml";
    let fallback = files
        .names()
        .find(|n| {
            std::path::Path::new(n)
                .file_name()
                .is_some_and(|f| f == manifest)
        })
        .map_or_else(|| manifest.to_owned(), relative_path);
    Value::Array(diags.iter().map(|d| issue(d, files, &fallback)).collect())
}
