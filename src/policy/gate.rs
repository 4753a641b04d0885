//! The gate: every verdict `check` gives, as one function of the manifest,
//! the lock and the license store. `check` reports it; `update` ends with
//! it on the lock it wrote.

use super::{Project, Standing};
use crate::date::Date;
use crate::diag::{Diag, FileId};
use crate::license::{store, Store, StoreGaps};
use crate::lock::{self, Lock, LockedModel, StaleKind};
use crate::manifest::{Finding, Manifest, ModelEntry};
use crate::resolve::stale;
use std::collections::HashMap;

/// Where one entry stands.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    NotLocked,
    Stale,
    Denied,
    Allowed,
    Reviewed,
    Unreviewed,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::NotLocked => "not-locked",
            Status::Stale => "stale",
            Status::Denied => "denied",
            Status::Allowed => "allowed",
            Status::Reviewed => "reviewed",
            Status::Unreviewed => "unreviewed",
        }
    }
}

impl From<&Standing> for Status {
    fn from(s: &Standing) -> Status {
        match s {
            Standing::Denied => Status::Denied,
            Standing::Allowed => Status::Allowed,
            Standing::Reviewed => Status::Reviewed,
            Standing::Unreviewed => Status::Unreviewed,
        }
    }
}

/// One entry's verdict, for reports.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ModelVerdict {
    pub name: String,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
}

/// A finding that an acceptance can clear.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acceptable {
    pub model: String,
    pub finding: Finding,
    /// The ancestor, for a restricted parent.
    pub ancestor: Option<String>,
    /// The license digest an acceptance must name.
    pub digest: String,
}

/// What the gate found.
pub struct Verdict {
    pub diags: Vec<Diag>,
    pub models: Vec<ModelVerdict>,
    /// The findings among `diags` that an acceptance can clear.
    pub acceptable: Vec<Acceptable>,
}

/// Judges the lock against the manifest, the policy, the reviews and
/// acceptances, the lineage, `[use]` and the license store.
pub fn judge(
    manifest: &Manifest,
    lock: &Lock,
    lock_file: FileId,
    store: &Store,
    today: Date,
) -> Verdict {
    let mut diags = Vec::new();
    // every stored text verified once, on all cores (a lock of thousands
    // of models names thousands of texts); what is not intact is looked at
    // again, one by one, to say how
    let mut seen_texts = store::verified_texts(
        store,
        lock.models()
            .iter()
            .flat_map(|m| m.license_files.iter().map(|l| l.digest.as_str())),
    );
    let mut standings: HashMap<&str, Standing> = HashMap::new();
    let mut models = Vec::new();
    let mut acceptable = Vec::new();
    for entry in &manifest.models {
        diags.extend(super::floating_revision(manifest, entry));
        diags.extend(super::sources::check(manifest, entry));
        let locked = match current(manifest, entry, lock, lock_file) {
            Ok(locked) => locked,
            Err((stale, status)) => {
                diags.push(stale);
                models.push(ModelVerdict {
                    name: entry.name.clone(),
                    status,
                    license: None,
                    license_digest: None,
                    revision: None,
                });
                continue;
            }
        };
        let (standing, d) = super::evaluate(manifest, entry, locked, lock_file, today, Some(store));
        diags.extend(d);
        if standing != Standing::Denied {
            diags.extend(super::documents::unavailable(
                manifest, entry, locked, lock_file,
            ));
        }
        diags.extend(super::formats::check(manifest, entry, locked, lock_file));
        let scan = super::scan::check(manifest, entry, locked, lock_file, today);
        // flagged files not accepted yet: an acceptance can name them
        let flagged = scan
            .iter()
            .any(|d| d.code == crate::diag::Code::PolicyScanFlagged);
        if let (true, Some(d)) = (flagged, super::scan::flagged_digest(locked)) {
            acceptable.push(Acceptable {
                model: entry.name.clone(),
                finding: Finding::ScanFlagged,
                ancestor: None,
                digest: d,
            });
        }
        diags.extend(scan);
        let (found, accept) = terms(
            manifest,
            entry,
            locked,
            lock_file,
            store,
            today,
            &mut seen_texts,
        );
        diags.extend(found);
        acceptable.extend(accept);
        models.push(ModelVerdict {
            name: entry.name.clone(),
            status: Status::from(&standing),
            license: locked.license.clone(),
            license_digest: Some(locked.license_digest.clone()),
            revision: Some(locked.revision.clone()),
        });
        standings.insert(entry.name.as_str(), standing);
    }
    // lineage and use: they need every entry's standing
    let project = Project::new(manifest, &standings, today);
    for entry in &manifest.models {
        let Some(locked) = lock.model(&entry.name) else {
            continue;
        };
        if standings.contains_key(entry.name.as_str()) {
            for r in super::lineage(manifest, entry, locked, lock_file, &project, today) {
                if !r.denied {
                    acceptable.push(Acceptable {
                        model: entry.name.clone(),
                        finding: Finding::RestrictedParent,
                        ancestor: Some(r.ancestor.clone()),
                        digest: r.digest.clone(),
                    });
                }
                diags.push(r.into());
            }
            diags.extend(super::use_conflicts(manifest, entry, lock, lock_file));
        }
    }
    diags.extend(not_in_manifest(manifest, lock, lock_file));
    Verdict {
        diags,
        models,
        acceptable,
    }
}

/// A `lock::stale` finding for each locked model models.toml no longer has.
fn not_in_manifest<'a>(
    manifest: &'a Manifest,
    lock: &'a Lock,
    lock_file: FileId,
) -> impl Iterator<Item = Diag> + 'a {
    lock.models()
        .iter()
        .filter(|locked| manifest.model(&locked.name).is_none())
        .map(move |locked| {
            lock::Stale {
                model: locked.name.clone(),
                manifest_file: manifest.file,
                manifest_span: None,
                lock_file,
                lock_span: locked.span.clone(),
                kind: StaleKind::NotInManifest,
            }
            .into()
        })
}

/// The lock entries of `entries`, when every one is locked and current
/// (and, with `whole`, when the lock has no model models.toml lacks); else
/// the `lock::stale` findings. For commands that act on the lock alone
/// (`fetch`, `path`): they never resolve, so a stale lock stops them.
pub fn current_entries<'l>(
    manifest: &Manifest,
    entries: &[&ModelEntry],
    lock: &'l Lock,
    lock_file: FileId,
    whole: bool,
) -> Result<Vec<&'l LockedModel>, Vec<Diag>> {
    let mut found = Vec::new();
    let mut diags = Vec::new();
    for entry in entries {
        match current(manifest, entry, lock, lock_file) {
            Ok(l) => found.push(l),
            Err((d, _)) => diags.push(d),
        }
    }
    if whole {
        diags.extend(not_in_manifest(manifest, lock, lock_file));
    }
    if diags.is_empty() {
        Ok(found)
    } else {
        Err(diags)
    }
}

/// The lock entry of a manifest entry, when it is locked and current; else
/// the `lock::stale` finding and the model's status.
fn current<'l>(
    manifest: &Manifest,
    entry: &ModelEntry,
    lock: &'l Lock,
    lock_file: FileId,
) -> Result<&'l LockedModel, (Diag, Status)> {
    let stale = |kind, manifest_span, lock_span| -> Diag {
        lock::Stale {
            model: entry.name.clone(),
            manifest_file: manifest.file,
            manifest_span,
            lock_file,
            lock_span,
            kind,
        }
        .into()
    };
    let Some(locked) = lock.model(&entry.name) else {
        let d = stale(StaleKind::NotLocked, entry.anchor(), None);
        return Err((d, Status::NotLocked));
    };
    let differences = stale::differences(entry, locked);
    if !differences.is_empty() {
        let kind = StaleKind::Changed(differences);
        let d = stale(kind, entry.source.span.clone(), locked.span.clone());
        return Err((d, Status::Stale));
    }
    Ok(locked)
}

/// What the locked terms of a current model say against the store: the
/// card's license against the LICENSE files (acceptable), the lock against
/// the terms its digest names, and texts the store lacks.
fn terms(
    manifest: &Manifest,
    entry: &ModelEntry,
    locked: &LockedModel,
    lock_file: FileId,
    store: &Store,
    today: Date,
    seen_texts: &mut HashMap<String, bool>,
) -> (Vec<Diag>, Option<Acceptable>) {
    let mut diags = Vec::new();
    let mut acceptable = None;
    // what the card declared, from the terms the lock names
    let declared = store.declared_license(&locked.license_digest);
    let mismatch = super::card_mismatch(
        manifest,
        entry,
        locked,
        lock_file,
        declared.as_deref(),
        today,
    );
    if let Some(d) = mismatch {
        acceptable = Some(Acceptable {
            model: entry.name.clone(),
            finding: Finding::CardMismatch,
            ancestor: None,
            digest: locked.license_digest.clone(),
        });
        diags.push(d);
    }
    let gaps = store::gaps(store, &locked.held(), seen_texts);
    if gaps.lock_disagrees.is_empty() {
        diags.extend(super::license_consistency(
            manifest,
            entry,
            locked,
            lock_file,
            declared.as_deref(),
        ));
    }
    if !gaps.is_empty() {
        diags.extend(Vec::<Diag>::from(StoreGaps {
            model: entry.name.clone(),
            gaps,
            file: manifest.file,
            entry_span: entry.anchor(),
            lock_file,
            lock_span: locked.span.clone(),
        }));
    }
    (diags, acceptable)
}
