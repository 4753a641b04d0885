//! What `.modellock/` may forget when models leave the lock (`remove`,
//! then `update`): the entries only they used. Everything a locked model,
//! an ancestor, a review or an acceptance names stays — the history of
//! what was reviewed.

use crate::lock::{Lock, LockedModel};
use crate::manifest::Manifest;
use std::collections::{BTreeSet, HashSet};

/// Every digest of the store a locked model names.
fn digests(m: &LockedModel) -> impl Iterator<Item = String> + '_ {
    std::iter::once(m.license_digest.clone())
        .chain(m.license_files.iter().map(|l| l.digest.clone()))
        .chain(m.documents_digest.clone())
        .chain(m.documents_baseline.clone())
        .chain(m.documents.iter().filter_map(|d| d.digest.clone()))
        .chain(m.lineage.iter().filter_map(|a| a.license_digest.clone()))
}

/// What must stay: what `lock` and the records of `manifest` name.
pub fn keep(lock: &Lock, manifest: &Manifest) -> HashSet<String> {
    let mut k: HashSet<String> = lock.models().iter().flat_map(digests).collect();
    for e in &manifest.models {
        for r in &e.reviews {
            k.insert(r.license_digest.value.clone());
            k.extend(r.documents_digest.as_ref().map(|d| d.value.clone()));
        }
        for a in &e.accepts {
            k.insert(a.license_digest.value.clone());
        }
    }
    k
}

/// What the models of `old` that `new` no longer has named.
pub fn gone(old: &Lock, new: &Lock) -> BTreeSet<String> {
    old.models()
        .iter()
        .filter(|m| new.model(&m.name).is_none())
        .flat_map(digests)
        .collect()
}
