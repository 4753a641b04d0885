//! The report of `update`: what changed per model, and `update --locked`'s
//! verdict.

use super::{count, verb, ADDED, ALERT, REMOVED};
use crate::diag::{Code, Diag};
use crate::hashing::short_id;
use crate::lock::{self, Lock, LockedModel};
use crate::resolve::changes::{Change, Kind};
use serde::Serialize;

/// The JSON fields of `update`'s report.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Report<'a> {
    pub changes: &'a [Change],
    pub written: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
}

/// The human lines of one change.
pub fn change(c: &Change, color: bool) -> String {
    let lic = |m: &LockedModel| m.license.clone().unwrap_or_else(|| "no license".into());
    match (c.kind, &c.old, &c.new) {
        (Kind::Added, _, Some(n)) => format!(
            "{} {} at {}: {} files, {}",
            verb(color, ADDED, "Adding"),
            c.name,
            short_id(&n.revision),
            n.files.len(),
            lic(n)
        ),
        (Kind::Removed, _, _) => format!("{} {}", verb(color, REMOVED, "Removing"), c.name),
        (_, Some(o), Some(n)) => {
            let mut s = format!("{} {}", verb(color, ADDED, "Updating"), c.name);
            if o.revision != n.revision {
                s.push_str(&format!(
                    ": {} → {}",
                    short_id(&o.revision),
                    short_id(&n.revision)
                ));
            }
            if let Some(t) = &n.tag {
                s.push_str(&format!(" ({t})"));
            }
            let f = c.file_counts();
            if f.added + f.removed + f.changed > 0 {
                s.push_str(&format!(
                    "\n{:>12} files: {} added, {} removed, {} changed",
                    "", f.added, f.removed, f.changed
                ));
            }
            if c.license_changed() {
                let ids = if lic(o) == lic(n) {
                    lic(n)
                } else {
                    format!("{} → {}", lic(o), lic(n))
                };
                s.push_str(&format!(
                    "\n{} the license terms of `{}` changed: {ids}, {} → {}",
                    verb(color, ALERT, "LICENSE"),
                    c.name,
                    short_id(&o.license_digest),
                    short_id(&n.license_digest),
                ));
                for line in &c.license_summary {
                    s.push_str(&format!("\n{:>12}   {line}", ""));
                }
                s.push_str(&format!(
                    "\n{:>12} run `modellock diff {}` to read the change; `modellock check` fails until it is reviewed",
                    "", c.name
                ));
            }
            if c.documents_changed() {
                s.push_str(&format!(
                    "\n{} a document the terms of `{}` incorporate changed:",
                    verb(color, ALERT, "TERMS"),
                    c.name,
                ));
                for line in &c.documents_summary {
                    s.push_str(&format!("\n{:>12}   {line}", ""));
                }
                if !c.license_changed() {
                    s.push_str(&format!(
                        "\n{:>12} run `modellock diff {}` to read the change; `modellock check` fails until it is reviewed",
                        "", c.name
                    ));
                }
            }
            if let Some((titles, covered)) = c.documents_first_locked() {
                s.push_str(&format!(
                    "\n{:>12} locked the documents its terms incorporate: {}{}",
                    "",
                    titles.join(", "),
                    if covered {
                        " (reviews recorded before cover them as they are now)"
                    } else {
                        ""
                    }
                ));
            }
            s
        }
        _ => String::new(),
    }
}

/// The lines of a run that wrote (or would write) the lock.
pub fn lines(changes: &[Change], new: &Lock, color: bool, notes: Vec<String>) -> Vec<String> {
    let mut lines: Vec<String> = changes.iter().map(|c| change(c, color)).collect();
    if lines.is_empty() {
        let n = new.models().len();
        let models = if n == 1 {
            "1 model is".to_owned()
        } else {
            format!("{n} models are")
        };
        lines.push(format!("{:>12} {models} up to date", "Unchanged"));
    }
    lines.extend(notes);
    lines
}

/// The notes of a write: the store entries written, the lock written.
pub fn written(
    stored: usize,
    store: &std::path::Path,
    lock: Option<std::path::PathBuf>,
) -> Vec<String> {
    let mut notes = Vec::new();
    if stored > 0 {
        notes.push(format!(
            "{:>12} {} in {}",
            "Stored",
            count(stored, "license entry", "license entries"),
            store.display()
        ));
    }
    if let Some(path) = lock {
        notes.push(format!("{:>12} {}", "Wrote", path.display()));
    }
    notes
}

/// `update --locked`: the error when the sources say something else than
/// models.lock (with the diff and the command that takes it), else the
/// line that says the lock is proved.
pub fn locked(old: Option<&Lock>, new: &Lock, changes: &[Change]) -> Result<String, Diag> {
    let old_text = old.map(lock::render).unwrap_or_default();
    let new_text = match old {
        Some(o) => lock::render(&new.clone().as_seen_by(o)),
        None => lock::render(new),
    };
    if old_text == new_text {
        return Ok(format!(
            "{:>12} models.lock is what the sources say ({})",
            "Verified",
            count(new.models().len(), "model", "models")
        ));
    }
    let Some(_) = old else {
        return Err(Diag::error(
            Code::LockOutdated,
            "`update --locked`: there is no models.lock to hold to",
        )
        .with_help("there is no models.lock: run `modellock update` and commit it"));
    };
    let diff = similar::TextDiff::from_lines(&old_text, &new_text)
        .unified_diff()
        .context_radius(2)
        .header("models.lock", "models.lock (from the sources)")
        .to_string();
    let what: Vec<String> = changes.iter().map(|c| change(c, false)).collect();
    let names: Vec<&str> = changes.iter().map(|c| c.name.as_str()).collect();
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    Err(Diag::error(
        Code::LockOutdated,
        format!(
            "`update --locked`: models.lock is not what the sources say for {}",
            quoted.join(", ")
        ),
    )
    .with_help(format!(
        "{}\n{diff}run `modellock update {}` to take what the sources say, read `modellock check`, and commit models.lock",
        what.join("\n"),
        names.join(" ")
    )))
}
