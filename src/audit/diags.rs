//! Diagnostics of `audit`: one per reference that is not locked as the
//! code uses it.

use crate::diag::{Code, Diag, FileId};
use std::ops::Range;
use std::path::PathBuf;

/// Where a reference is: a span of a file, or a model in a cache or store.
pub struct At {
    pub reference: String,
    pub source: String,
    pub why: String,
    pub file: Option<(FileId, Range<usize>)>,
    pub store: Option<PathBuf>,
}

impl At {
    fn place(&self) -> String {
        match &self.store {
            Some(p) => format!(" (in {})", p.display()),
            None => String::new(),
        }
    }

    fn diag(self, d: Diag, label: &str) -> Diag {
        match self.file {
            Some((file, span)) => d.with_label(file, Some(span), label),
            None => d,
        }
    }
}

/// `audit::unlocked`: the code or machine uses a model the lock lacks.
pub struct Unlocked {
    pub at: At,
    pub revision: Option<String>,
}

impl From<Unlocked> for Diag {
    fn from(u: Unlocked) -> Diag {
        let add = match &u.revision {
            Some(r) => format!("modellock add {} --revision {r}", u.at.source),
            None => format!("modellock add {}", u.at.source),
        };
        let d = Diag::error(
            Code::AuditUnlocked,
            format!("`{}` is not locked{}: {}", u.at.reference, u.at.place(), u.at.why),
        )
        .with_help(format!(
            "lock it: `{add}`, then `modellock update` (`modellock audit --fix` adds every unlocked reference)"
        ));
        u.at.diag(d, "not in models.lock")
    }
}

/// `audit::unpinned`: a locked model used at a floating revision.
pub struct Unpinned {
    pub at: At,
    pub entry: String,
    pub locked_revision: String,
}

impl From<Unpinned> for Diag {
    fn from(u: Unpinned) -> Diag {
        let d = Diag::warning(
            Code::AuditUnpinned,
            format!("`{}` is not pinned{}: {}", u.at.reference, u.at.place(), u.at.why),
        )
        .with_model(u.entry.clone())
        .with_help(format!(
            "pin the locked revision where the model is loaded (`revision=\"{}\"`, `--revision {}`), so that what runs is what `{}` locks",
            u.locked_revision, u.locked_revision, u.entry
        ));
        u.at.diag(d, "floating revision")
    }
}

/// `audit::revision-mismatch`: the code pins another revision than the lock.
pub struct RevisionMismatch {
    pub at: At,
    pub entry: String,
    /// The revision the reference pins.
    pub revision: Option<String>,
    /// The locked revision (the tag when there is one).
    pub locked: String,
}

impl From<RevisionMismatch> for Diag {
    fn from(m: RevisionMismatch) -> Diag {
        let d = Diag::error(
            Code::AuditRevisionMismatch,
            format!("`{}` is another revision than the lock{}: {}", m.at.reference, m.at.place(), m.at.why),
        )
        .with_model(m.entry.clone())
        .with_help(match &m.revision {
            Some(rev) => format!(
                "make the two agree: use `{}` (the locked revision) here, or set `revision = \"{rev}\"` on `{}` in models.toml and run `modellock update {}`",
                m.locked, m.entry, m.entry
            ),
            None => format!(
                "make the two agree: use `{}` (the locked revision) here, or change `{}` in models.toml and run `modellock update {}`",
                m.locked, m.entry, m.entry
            ),
        });
        m.at.diag(d, "another revision")
    }
}

/// `audit::unreadable`: files or directories the walk could not read, so
/// that a report without findings is never taken for a clean bill.
pub fn unreadable_diag(paths: &[super::Unreadable]) -> Diag {
    const SHOWN: usize = 20;
    let mut list: String = paths
        .iter()
        .take(SHOWN)
        .map(|u| format!("  {}: {}\n", u.path, u.error))
        .collect();
    if paths.len() > SHOWN {
        list.push_str(&format!("  … and {} more\n", paths.len() - SHOWN));
    }
    let what = match paths.len() {
        1 => "1 path".to_owned(),
        n => format!("{n} paths"),
    };
    Diag::warning(
        Code::AuditUnreadable,
        format!("{what} could not be read, so audit did not search them"),
    )
    .with_help(format!(
        "{list}fix their permissions (or run audit as a user who can read them) to search them too"
    ))
}
