//! Policy: is a locked model's license acceptable? Deny always wins; an
//! allowed license needs nothing more; any other license needs a review of
//! the exact license digest that is locked.

mod diags;
pub mod documents;
pub mod formats;
pub mod gate;
pub mod record;
pub mod scan;
pub mod sources;
pub mod usage;

pub use diags::*;

use crate::date::Date;
use crate::diag::{Diag, FileId};
use crate::hashing::short_id;
use crate::license::{compare, ids, scope, Store};
use crate::lock::{Ancestor, LockedModel};
use crate::manifest::{Acceptance, Finding, Manifest, ModelEntry, Spanned};
use crate::source::Source;
use std::collections::{HashMap, HashSet};

/// Where a locked license stands with the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// Where a locked model stands under the policy and its reviews: denied,
/// allowed, reviewed (a live review of exactly its locked terms), or
/// unreviewed.
pub fn standing(
    manifest: &Manifest,
    entry: &ModelEntry,
    locked: &LockedModel,
    today: Date,
) -> Standing {
    let license = locked.license.as_deref();
    if find(&manifest.policy.deny, license).is_some() {
        Standing::Denied
    } else if find(&manifest.policy.allow, license).is_some() {
        Standing::Allowed
    } else if entry.reviews.iter().any(|r| {
        r.license_digest.value == locked.license_digest
            && r.live(today)
            && documents::covers(r, locked)
    }) {
        Standing::Reviewed
    } else {
        Standing::Unreviewed
    }
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

    let standing = standing(manifest, entry, locked, today);
    if let (Standing::Denied, Some(deny)) = (standing, find(&manifest.policy.deny, license)) {
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
    }
    if standing == Standing::Unreviewed {
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
        let same_terms = || {
            entry
                .reviews
                .iter()
                .filter(|r| r.license_digest.value == locked.license_digest)
        };
        // a live review of the license whose documents are not the locked
        // ones: the newest such
        let documents_moved = same_terms()
            .filter(|r| r.live(today))
            .max_by_key(|r| r.date.value);
        let expired = same_terms().max_by_key(|r| r.date.value);
        if let Some(review) = documents_moved {
            diags.push(documents::DocumentChanged::new(base, review, locked, store).into());
        } else if let Some(expired) = expired {
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
    }
    (standing, diags)
}

/// A warning when an entry follows something that moves (a branch).
pub fn floating_revision(manifest: &Manifest, entry: &ModelEntry) -> Option<Diag> {
    let revision = entry.revision.as_ref().map(|r| r.value.as_str());
    let shown = entry
        .source
        .value
        .moving(revision, entry.version.is_some())?;
    Some({
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

/// Whether a live acceptance of `finding` (for `ancestor`) holds for
/// `digest`; if not, the newest record of it, if any, and why it does not
/// hold.
pub(crate) fn acceptance(
    entry: &ModelEntry,
    finding: Finding,
    ancestor: Option<&str>,
    digest: &str,
    today: Date,
) -> Result<(), Option<Voided>> {
    let records: Vec<&Acceptance> = entry
        .accepts
        .iter()
        .filter(|a| a.concerns(finding, ancestor))
        .collect();
    if records
        .iter()
        .any(|a| a.license_digest.value == digest && a.live(today))
    {
        return Ok(());
    }
    Err(records
        .iter()
        .enumerate()
        .max_by_key(|(i, a)| (a.date.value, *i))
        .map(|(_, a)| {
            let (why, span) = if a.license_digest.value == digest {
                let expired = a.expires.as_ref().map(|e| e.value).unwrap_or(today);
                (
                    format!("expired on {expired}"),
                    a.expires.as_ref().and_then(|e| e.span.clone()),
                )
            } else {
                (
                    format!(
                        "was for terms {} and the locked terms are {}",
                        short_id(&a.license_digest.value),
                        short_id(digest)
                    ),
                    a.license_digest.span.clone(),
                )
            };
            Voided {
                reviewer: a.reviewer.value.clone(),
                date: a.date.value,
                why,
                span: span.or_else(|| a.span.clone()),
            }
        }))
}

/// `license::card-mismatch`: the card declares a license (`declared`,
/// from the terms in the store) that a license file governing the weights
/// contradicts, and nobody accepted that for the locked terms.
pub fn card_mismatch(
    manifest: &Manifest,
    entry: &ModelEntry,
    locked: &LockedModel,
    lock_file: FileId,
    declared: Option<&str>,
    today: Date,
) -> Option<Diag> {
    use crate::license::identify::disagrees;
    // the GGUF header is a witness too: of the card, or, where there is no
    // card (Ollama), of the license files
    let gguf = locked.gguf.as_ref().and_then(|g| {
        let raw = g.license.license.as_deref()?;
        let e = crate::license::kb::Kb::builtin().get(raw)?;
        (!matches!(e.id.as_str(), "other" | "unknown")).then(|| (g.file.clone(), e.id.clone()))
    });
    let (declared, declared_by, gguf) = match (declared, gguf) {
        (Some(d), g) => (
            d.to_owned(),
            "card".to_owned(),
            g.filter(|(_, id)| disagrees(d, id, 100)),
        ),
        (None, Some((file, id))) => (id, format!("GGUF header (`{file}`)"), None),
        (None, None) => return None,
    };
    let files: Vec<(String, String, u8)> = scope::governing(&locked.license_files)
        .filter_map(|l| Some((l.path.clone(), l.id.clone()?, l.confidence?)))
        .filter(|(_, id, _)| id != "unknown")
        .filter(|(_, id, c)| disagrees(&declared, id, *c))
        .collect();
    if files.is_empty() && gguf.is_none() {
        return None;
    }
    let void = acceptance(
        entry,
        Finding::CardMismatch,
        None,
        &locked.license_digest,
        today,
    )
    .err()?;
    Some(
        CardMismatch {
            model: entry.name.clone(),
            declared,
            declared_by,
            gguf,
            files,
            locked: locked.license.clone(),
            digest: locked.license_digest.clone(),
            void,
            file: manifest.file,
            entry_span: entry.anchor(),
            lock_file,
            lock_span: locked.span.clone(),
        }
        .into(),
    )
}

/// `lock::terms-mismatch`: the lock's `license` is not what the terms it
/// names declare, and no license file governing the weights explains the
/// difference (a hand-edited lock).
pub fn license_consistency(
    manifest: &Manifest,
    entry: &ModelEntry,
    locked: &LockedModel,
    lock_file: FileId,
    declared: Option<&str>,
) -> Option<Diag> {
    let declared = declared?;
    let expected = scope::bound_license(Some(declared), &locked.license_files)?;
    let locked_license = locked.license.as_deref().unwrap_or("no license");
    if locked
        .license
        .as_deref()
        .is_some_and(|l| ids::same(l, &expected))
    {
        return None;
    }
    Some(
        crate::diag::Diag::error(
            crate::diag::Code::LockTermsMismatch,
            format!(
                "the lock of model `{}` says its license is `{locked_license}`, but the terms its license-digest names declare `{declared}`",
                entry.name
            ),
        )
        .with_model(entry.name.clone())
        .with_label(manifest.file, entry.anchor(), "this model")
        .with_label(lock_file, locked.span.clone(), format!("expected `{expected}`"))
        .with_help(format!(
            "the store's terms list is intact (named by its own sha256), so models.lock was edited by hand or merged badly: run `modellock update {}` to lock what the source says (and `modellock update --locked` in CI to prove the lock)",
            entry.name
        )),
    )
}

/// What the lineage check knows of the whole project.
pub struct Project<'a> {
    /// The standing of every entry that is locked and current, by name.
    pub standings: &'a HashMap<&'a str, Standing>,
    /// Every license digest with a live review, in any entry.
    pub reviewed: HashSet<&'a str>,
}

impl<'a> Project<'a> {
    pub fn new(
        manifest: &'a Manifest,
        standings: &'a HashMap<&'a str, Standing>,
        today: Date,
    ) -> Project<'a> {
        let reviewed = manifest
            .models
            .iter()
            .flat_map(|e| &e.reviews)
            .filter(|r| r.live(today))
            .map(|r| r.license_digest.value.as_str())
            .collect();
        Project {
            standings,
            reviewed,
        }
    }
}

fn accepted(s: Option<&Standing>) -> bool {
    matches!(s, Some(Standing::Allowed | Standing::Reviewed))
}

fn hf_repo(entry: &ModelEntry) -> Option<&str> {
    match &entry.source.value {
        Source::Hf(r) => Some(r.as_str()),
        _ => None,
    }
}

/// `lineage::restricted-parent`: every ancestor of a locked model must be
/// acceptable. An ancestor is acceptable when its license is allowed (and
/// not denied), when it is under the very license the model's own accepted
/// terms carry (a Llama fine-tune of a Llama base), when it is the repo of
/// an entry of the model's `base` chain whose terms are allowed or reviewed
/// (ancestors beyond that entry are that entry's own lineage), when a live
/// review anywhere in models.toml approves exactly the terms locked for it,
/// or when an acceptance of the model names it with those terms. An entry
/// that merely locks the same repo, at whatever revision, says nothing.
pub fn lineage(
    manifest: &Manifest,
    entry: &ModelEntry,
    locked: &LockedModel,
    lock_file: FileId,
    project: &Project<'_>,
    today: Date,
) -> Vec<RestrictedParent> {
    let mut diags = Vec::new();
    let own_accepted = accepted(project.standings.get(entry.name.as_str()));
    let bases: Vec<&ModelEntry> = manifest.with_bases(entry).into_iter().skip(1).collect();
    let base_entry = |repo: &str| {
        bases
            .iter()
            .find(|b| hf_repo(b).is_some_and(|r| r.eq_ignore_ascii_case(repo)))
    };
    // the repos from this ancestor down to the model
    let path_of = |a: &Ancestor| {
        let mut chain = vec![a.model.clone()];
        let mut cur = a.base_of.clone();
        while let Some(c) = cur {
            if chain.iter().any(|x| x.eq_ignore_ascii_case(&c)) {
                break;
            }
            chain.push(c.clone());
            cur = locked
                .lineage
                .iter()
                .find(|x| x.model == c)
                .and_then(|x| x.base_of.clone());
        }
        chain
    };
    for a in &locked.lineage {
        let license = a.license.as_deref();
        let denied = find(&manifest.policy.deny, license).is_some();
        let path = path_of(a);
        // the terms an acceptance names: the ancestor's, else the model's
        let terms = a
            .license_digest
            .as_deref()
            .unwrap_or(&locked.license_digest);
        let void = if denied {
            None
        } else {
            let same_as_own = own_accepted
                && license
                    .zip(locked.license.as_deref())
                    .is_some_and(|(a, own)| ids::same(a, own));
            let allowed = find(&manifest.policy.allow, license).is_some();
            // the nearest entry of the base chain on the path decides
            let by_base = path
                .iter()
                .find_map(|repo| base_entry(repo))
                .is_some_and(|b| accepted(project.standings.get(b.name.as_str())));
            let reviewed = a
                .license_digest
                .as_deref()
                .is_some_and(|d| project.reviewed.contains(d));
            if same_as_own || allowed || by_base || reviewed {
                continue;
            }
            match acceptance(
                entry,
                Finding::RestrictedParent,
                Some(&a.model),
                terms,
                today,
            ) {
                Ok(()) => continue,
                Err(void) => void,
            }
        };
        let other_entry = manifest
            .models
            .iter()
            .filter(|e| e.name != entry.name && !bases.iter().any(|b| b.name == e.name))
            .find(|e| hf_repo(e).is_some_and(|r| r.eq_ignore_ascii_case(&a.model)))
            .map(|e| e.name.clone());
        let mut chain = path;
        chain.push(entry.name.clone());
        chain.reverse();
        diags.push(RestrictedParent {
            model: entry.name.clone(),
            ancestor: a.model.clone(),
            relation: a.relation.clone(),
            license: a.license.clone(),
            denied,
            chain: chain.join(" → "),
            other_entry,
            terms_locked: a.license_digest.is_some(),
            digest: terms.to_owned(),
            void,
            file: manifest.file,
            entry_span: entry.anchor(),
            lock_file,
            lock_span: locked.span.clone(),
        });
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
