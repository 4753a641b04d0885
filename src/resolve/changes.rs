//! What changed between the lock as it was and the lock resolved now: per
//! model, added, removed or updated, with file counts and, when the terms
//! moved, what changed in them in substance.

use crate::license::compare::{self, Side};
use crate::license::gathered::Gathered;
use crate::lock::{Lock, LockedModel};
use serde::Serialize;
use std::collections::BTreeSet;

/// What changed for one model between two locks.
#[derive(Debug)]
pub struct Change {
    pub name: String,
    pub kind: Kind,
    pub old: Option<LockedModel>,
    pub new: Option<LockedModel>,
    /// What changed in the license terms, in substance.
    pub license_summary: Vec<String>,
    /// What changed in the documents the terms incorporate.
    pub documents_summary: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Added,
    Removed,
    Updated,
}

/// File counts of an update.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FileCounts {
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
}

/// The models that differ between `old` (none: an empty lock) and `new`,
/// by name; the terms' summaries are filled from `texts` (this run's and
/// the store's).
pub fn between(old: Option<&Lock>, new: &Lock, texts: &Gathered) -> Vec<Change> {
    let empty = Lock::default();
    let old = old.unwrap_or(&empty);
    let mut names: BTreeSet<&str> = old.models().iter().map(|m| m.name.as_str()).collect();
    names.extend(new.models().iter().map(|m| m.name.as_str()));
    names
        .into_iter()
        .filter_map(|name| {
            let (o, n) = (old.model(name), new.model(name));
            let kind = match (o, n) {
                (None, Some(_)) => Kind::Added,
                (Some(_), None) => Kind::Removed,
                (Some(a), Some(b)) if !same_content(a, b) => Kind::Updated,
                _ => return None,
            };
            let mut c = Change {
                name: name.to_owned(),
                kind,
                old: o.cloned(),
                new: n.cloned(),
                license_summary: Vec::new(),
                documents_summary: Vec::new(),
            };
            if let (Some(o), Some(n), true) = (o, n, c.license_changed()) {
                c.license_summary = license_summary(texts, name, o, n);
            }
            if let (Some(o), Some(n), true) = (o, n, c.documents_changed()) {
                c.documents_summary = documents_summary(texts, o, n);
            }
            Some(c)
        })
        .collect()
}

fn same_content(a: &LockedModel, b: &LockedModel) -> bool {
    LockedModel {
        span: None,
        ..a.clone()
    } == LockedModel {
        span: None,
        ..b.clone()
    }
}

/// What changed between the old and the new terms of a model, from the
/// texts this run fetched and the store.
fn license_summary(
    texts: &Gathered,
    name: &str,
    old: &LockedModel,
    new: &LockedModel,
) -> Vec<String> {
    let side = |digest: &str| Some(Side::new(texts.terms(digest)?, &|d| texts.text(d)));
    match (side(&old.license_digest), side(&new.license_digest)) {
        (Some(a), Some(b)) => compare::compare(&a, &b).summary(),
        _ => vec![format!(
            "the previous terms are not in the license store; `modellock diff {name} --from {}` fetches them",
            old.revision
        )],
    }
}

/// What changed in the documents between the old and the new lock entry.
fn documents_summary(texts: &Gathered, old: &LockedModel, new: &LockedModel) -> Vec<String> {
    let text = |d: &str| texts.text(d);
    let a = Side::default().with_documents(&old.document_set(), &text);
    let b = Side::default().with_documents(&new.document_set(), &text);
    compare::compare(&a, &b).summary()
}

impl Change {
    /// Whether the documents the terms incorporate changed (a lock entry
    /// from before documents were locked has none to change).
    pub fn documents_changed(&self) -> bool {
        match (&self.old, &self.new) {
            (Some(a), Some(b)) => {
                a.documents_digest.is_some() && a.documents_digest != b.documents_digest
            }
            _ => false,
        }
    }

    /// Documents locked for the first time in an entry locked before
    /// documents were: (their titles, whether reviews recorded before
    /// cover them).
    pub fn documents_first_locked(&self) -> Option<(Vec<&str>, bool)> {
        let (Some(a), Some(b)) = (&self.old, &self.new) else {
            return None;
        };
        if a.documents_digest.is_some() || b.documents.is_empty() {
            return None;
        }
        let titles = b.documents.iter().map(|d| d.title.as_str()).collect();
        Some((titles, b.documents_baseline.is_some()))
    }

    pub fn license_changed(&self) -> bool {
        match (&self.old, &self.new) {
            (Some(a), Some(b)) => a.license_digest != b.license_digest || a.license != b.license,
            _ => false,
        }
    }

    /// Files added, removed and changed (by path) in an update.
    pub fn file_counts(&self) -> FileCounts {
        let (Some(a), Some(b)) = (&self.old, &self.new) else {
            return FileCounts::default();
        };
        let in_a = |p: &str| a.files.iter().find(|g| g.path == p);
        let in_b = |p: &str| b.files.iter().any(|g| g.path == p);
        FileCounts {
            added: b.files.iter().filter(|f| in_a(&f.path).is_none()).count(),
            removed: a.files.iter().filter(|f| !in_b(&f.path)).count(),
            changed: b
                .files
                .iter()
                .filter(|f| in_a(&f.path).is_some_and(|g| g.sha256 != f.sha256))
                .count(),
        }
    }
}

/// One side of a change, as JSON reports show it.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct SideReport<'a> {
    revision: &'a str,
    license: &'a Option<String>,
    license_digest: &'a str,
    files: usize,
}

impl<'a> SideReport<'a> {
    fn of(m: &'a Option<LockedModel>) -> Option<SideReport<'a>> {
        m.as_ref().map(|m| SideReport {
            revision: &m.revision,
            license: &m.license,
            license_digest: &m.license_digest,
            files: m.files.len(),
        })
    }
}

impl Serialize for Change {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "kebab-case")]
        struct Report<'a> {
            name: &'a str,
            change: Kind,
            old: Option<SideReport<'a>>,
            new: Option<SideReport<'a>>,
            files: FileCounts,
            license_changed: bool,
            license_summary: &'a [String],
            documents_changed: bool,
            documents_summary: &'a [String],
        }
        Report {
            name: &self.name,
            change: self.kind,
            old: SideReport::of(&self.old),
            new: SideReport::of(&self.new),
            files: self.file_counts(),
            license_changed: self.license_changed(),
            license_summary: &self.license_summary,
            documents_changed: self.documents_changed(),
            documents_summary: &self.documents_summary,
        }
        .serialize(s)
    }
}
