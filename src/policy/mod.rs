//! Policy: is a locked model's license acceptable? Deny always wins; an
//! allowed license needs nothing more; any other license needs a review of
//! the exact license digest that is locked.

mod diags;
pub mod usage;

pub use diags::*;

use crate::date::Date;
use crate::diag::{Diag, FileId};
use crate::license::{compare, ids, Store};
use crate::lock::LockedModel;
use crate::manifest::{Manifest, ModelEntry, Spanned};
use crate::source::{hf, Source};

/// Where a locked license stands with the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    Denied,
    Allowed,
    Reviewed,
    Unreviewed,
}

fn find<'a>(list: &'a [Spanned<String>], license: Option<&str>) -> Option<&'a Spanned<String>> {
    let license = license?;
    list.iter().find(|id| ids::same(&id.value, license))
}

/// Checks one model that is locked and current. Returns its diagnostics and
/// its standing. With the license `store`, a change of terms since the last
/// review is described (what changed, in which files).
pub fn evaluate(
    manifest: &Manifest,
    entry: &ModelEntry,
    locked: &LockedModel,
    lock_file: FileId,
    today: Date,
    store: Option<&Store>,
) -> (Standing, Vec<Diag>) {
    let mut diags = Vec::new();
    let file = manifest.file;
    let license = locked.license.as_deref();

    if let Some(expected) = &entry.license {
        if !license.is_some_and(|l| ids::same(l, &expected.value)) {
            diags.push(
                ExpectedMismatch {
                    model: entry.name.clone(),
                    expected: expected.value.clone(),
                    locked: locked.license.clone(),
                    file,
                    span: expected.span.clone(),
                    lock_file,
                    lock_span: locked.span.clone(),
                }
                .into(),
            );
        }
    }

    let standing = if let Some(deny) = find(&manifest.policy.deny, license) {
        diags.push(
            Denied {
                model: entry.name.clone(),
                license: license.unwrap_or_default().to_owned(),
                file,
                entry_span: entry.anchor(),
                deny_span: deny.span.clone(),
            }
            .into(),
        );
        Standing::Denied
    } else if find(&manifest.policy.allow, license).is_some() {
        Standing::Allowed
    } else {
        let matching: Vec<_> = entry
            .reviews
            .iter()
            .filter(|r| r.license_digest.value == locked.license_digest)
            .collect();
        let live = matching
            .iter()
            .any(|r| r.expires.as_ref().is_none_or(|e| e.value >= today));
        if live {
            Standing::Reviewed
        } else {
            let base = ReviewNeeded {
                model: entry.name.clone(),
                license: locked.license.clone(),
                digest: locked.license_digest.clone(),
                file,
                entry_span: entry.anchor(),
                lock_file,
                lock_span: locked.span.clone(),
                today,
            };
            if let Some(expired) = matching.iter().max_by_key(|r| r.date.value) {
                diags.push(
                    ReviewExpired {
                        base,
                        reviewer: expired.reviewer.value.clone(),
                        expired_on: expired.expires.as_ref().map(|e| e.value).unwrap_or(today),
                        review_span: expired.expires.as_ref().and_then(|e| e.span.clone()),
                    }
                    .into(),
                );
            } else if let Some(newest) = entry.newest_review() {
                let drift = store.and_then(|s| {
                    compare::stored(s, &newest.license_digest.value, &locked.license_digest)
                });
                diags.push(
                    Changed {
                        base,
                        reviewer: newest.reviewer.value.clone(),
                        date: newest.date.value,
                        reviewed_digest: newest.license_digest.value.clone(),
                        review_span: newest.license_digest.span.clone(),
                        drift,
                    }
                    .into(),
                );
            } else {
                diags.push(base.into());
            }
            Standing::Unreviewed
        }
    };
    (standing, diags)
}

/// A warning when an entry follows something that moves (a branch).
pub fn floating_revision(manifest: &Manifest, entry: &ModelEntry) -> Option<Diag> {
    let (floating, shown) = match &entry.source.value {
        Source::Hf(_) if entry.version.is_none() => {
            let rev = entry.requested().unwrap_or_default();
            (!hf::is_pinned(&rev), rev)
        }
        Source::Ollama(n) if entry.revision.is_none() && n.digest.is_none() => (
            n.tag == crate::source::ollama::DEFAULT_TAG,
            format!("tag `{}`", n.tag),
        ),
        _ => (false, String::new()),
    };
    floating.then(|| {
        crate::manifest::FloatingRevision {
            file: manifest.file,
            model: entry.name.clone(),
            revision: shown,
            span: entry
                .revision
                .as_ref()
                .and_then(|r| r.span.clone())
                .or_else(|| entry.source.span.clone()),
        }
        .into()
    })
}

/// `license::card-mismatch`: the card declares a license (`declared`,
/// from the terms in the store) that a LICENSE file of the lock contradicts.
pub fn card_mismatch(
    manifest: &Manifest,
    entry: &ModelEntry,
    locked: &LockedModel,
    lock_file: FileId,
    declared: Option<&str>,
) -> Option<Diag> {
    use crate::license::identify::disagrees;
    let declared = declared?;
    let files: Vec<(String, String, u8)> = locked
        .license_files
        .iter()
        .filter(|l| crate::source::is_license_text(&l.path))
        .filter_map(|l| Some((l.path.clone(), l.id.clone()?, l.confidence?)))
        .filter(|(_, id, c)| disagrees(declared, id, *c))
        .collect();
    if files.is_empty() {
        return None;
    }
    Some(
        CardMismatch {
            model: entry.name.clone(),
            declared: declared.to_owned(),
            files,
            locked: locked.license.clone(),
            file: manifest.file,
            entry_span: entry.anchor(),
            lock_file,
            lock_span: locked.span.clone(),
        }
        .into(),
    )
}

/// `lineage::restricted-parent`: every ancestor of a locked model must be
/// under a license that policy allows, or be locked as an entry of its own
/// whose terms are allowed or reviewed; a denied license is never
/// acceptable. `standing` gives the standing of the entry that locks a Hub
/// repo id, if one does; `own` is the standing of `entry` itself: an
/// ancestor under the very license the entry's allowed or reviewed terms
/// carry is covered by them (a Llama fine-tune of a Llama base).
pub fn lineage(
    manifest: &Manifest,
    entry: &ModelEntry,
    locked: &LockedModel,
    lock_file: FileId,
    own: Option<&Standing>,
    standing: &dyn Fn(&str) -> Option<Standing>,
) -> Vec<Diag> {
    let mut diags = Vec::new();
    let own_accepted = matches!(own, Some(Standing::Allowed | Standing::Reviewed));
    for a in &locked.lineage {
        let license = a.license.as_deref();
        let denied = find(&manifest.policy.deny, license).is_some();
        let same_as_own = own_accepted
            && license
                .zip(locked.license.as_deref())
                .is_some_and(|(a, own)| ids::same(a, own));
        let acceptable = !denied
            && (same_as_own
                || find(&manifest.policy.allow, license).is_some()
                || matches!(
                    standing(&a.model),
                    Some(Standing::Allowed | Standing::Reviewed)
                ));
        if acceptable {
            continue;
        }
        // the chain from the model up to this ancestor
        let mut chain = vec![a.model.clone()];
        let mut cur = a.base_of.clone();
        while let Some(c) = cur {
            chain.push(c.clone());
            cur = locked
                .lineage
                .iter()
                .find(|x| x.model == c)
                .and_then(|x| x.base_of.clone());
        }
        chain.push(entry.name.clone());
        chain.reverse();
        diags.push(
            RestrictedParent {
                model: entry.name.clone(),
                ancestor: a.model.clone(),
                relation: a.relation.clone(),
                license: a.license.clone(),
                denied,
                chain: chain.join(" → "),
                file: manifest.file,
                entry_span: entry.anchor(),
                lock_file,
                lock_span: locked.span.clone(),
            }
            .into(),
        );
    }
    diags
}

/// `policy::use-conflict`: `[use]` against every license the model is
/// bound by (its own, its lineage's, its manifest bases').
pub fn use_conflicts(
    manifest: &Manifest,
    entry: &ModelEntry,
    lock: &crate::lock::Lock,
    lock_file: FileId,
) -> Vec<Diag> {
    let Some(locked) = lock.model(&entry.name) else {
        return Vec::new();
    };
    let bound = usage::bound_licenses(manifest, entry, lock);
    let u = &manifest.usage;
    usage::conflicts(u, &entry.name, &bound, locked.multimodal)
        .into_iter()
        .map(|conflict| {
            let use_span = match &conflict.issue {
                usage::Issue::Commercial => u.commercial.as_ref().and_then(|c| c.span.clone()),
                usage::Issue::Users { .. } => {
                    u.monthly_active_users.as_ref().and_then(|c| c.span.clone())
                }
                usage::Issue::Region { regions, .. } => u
                    .regions
                    .iter()
                    .find(|r| regions.iter().any(|x| usage::region_in(&r.value, x)))
                    .and_then(|r| r.span.clone()),
            };
            UseConflict {
                conflict,
                file: manifest.file,
                use_span,
                entry_span: entry.anchor(),
                lock_file,
                lock_span: locked.span.clone(),
            }
            .into()
        })
        .collect()
}
