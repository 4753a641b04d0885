//! The report of `licenses`: what the product is bound by. Per model its
//! license, category, identified license files, lineage and obligations;
//! then the whole manifest as one pipeline: the union of obligations, the
//! strictest thresholds, the conflicts. Offline: models.toml, models.lock
//! and the license store.

pub mod cyclonedx;
pub mod human;
pub mod spdx;

use crate::diag::Diag;
use crate::license::kb::{Category, Kb};
use crate::license::obligations::{self, Obligation};
use crate::license::{ids, Store};
use crate::lock::{Lock, LockedModel};
use crate::manifest::{Manifest, ModelEntry};
use crate::policy::{self, usage};
use crate::resolve::stale;
use serde::Serialize;

/// The report, serialised as the stable `--format json` document.
#[derive(Debug, Serialize)]
pub struct Report {
    pub models: Vec<ModelReport>,
    pub pipeline: Pipeline,
}

/// One model: what it is under and what that obliges.
#[derive(Debug, Serialize)]
pub struct ModelReport {
    pub name: String,
    pub source: String,
    /// The locked revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// `locked`, `stale` (the lock does not match the manifest entry) or
    /// `not-locked`.
    pub status: &'static str,
    pub license: Option<String>,
    /// The knowledge base's name of the license.
    #[serde(rename = "license-name", skip_serializing_if = "Option::is_none")]
    pub license_name: Option<String>,
    pub category: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multimodal: Option<bool>,
    pub files: Vec<FileReport>,
    /// The documents the terms incorporate (use policies, the card's
    /// license page, the gated access prompt).
    pub documents: Vec<DocumentReport>,
    pub lineage: Vec<LineageReport>,
    pub obligations: Vec<ModelObligation>,
    /// Where the model comes from and what it ships: its immutable Hub
    /// id and owner, the classes of its files, the Hub's scan.
    #[serde(rename = "supply-chain", skip_serializing_if = "Option::is_none")]
    pub supply: Option<SupplyReport>,
    /// The locked files, with their class (for the BOM).
    #[serde(skip)]
    pub locked_files: Vec<(String, String, &'static str)>,
    #[serde(skip)]
    pub license_digest: Option<String>,
}

/// A license file and what it was identified as.
#[derive(Debug, Serialize)]
pub struct FileReport {
    pub path: String,
    pub id: String,
    pub confidence: Option<f64>,
    /// For `unknown`: the license of the nearest known text (how near:
    /// `confidence`), and that text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nearest: Option<String>,
    #[serde(rename = "nearest-text", skip_serializing_if = "Option::is_none")]
    pub nearest_text: Option<String>,
    /// What the file governs: `weights`, `code` or `attached` (a use
    /// policy, notice or terms document).
    pub governs: &'static str,
}

/// Supply-chain facts of a locked model.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct SupplyReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hub_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// How many locked files of each class.
    pub classes: std::collections::BTreeMap<&'static str, usize>,
    /// The classes the configs' `auto_map` name.
    pub remote_code: Vec<String>,
    /// `clean`, `flagged` or `not-scanned`; absent when the source has no
    /// scan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan: Option<&'static str>,
    pub scan_issues: Vec<(String, String)>,
}

impl SupplyReport {
    pub fn of(l: &crate::lock::LockedModel) -> SupplyReport {
        let mut classes = std::collections::BTreeMap::new();
        for f in &l.files {
            *classes.entry(f.class().as_str()).or_insert(0) += 1;
        }
        SupplyReport {
            hub_id: l.hub_id.clone(),
            author: l.author.clone(),
            classes,
            remote_code: l.files.iter().flat_map(|f| f.remote_code.clone()).collect(),
            scan: l.scan.as_ref().map(|s| {
                if !s.issues.is_empty() {
                    "flagged"
                } else if s.done {
                    "clean"
                } else {
                    "not-scanned"
                }
            }),
            scan_issues: l
                .scan
                .as_ref()
                .map(|s| s.issues.clone())
                .unwrap_or_default(),
        }
    }
}

/// A document the terms incorporate, as locked.
#[derive(Debug, Serialize)]
pub struct DocumentReport {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub origin: String,
    /// `sha256:` of its normalised text; `null` when it was not read.
    pub digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

/// An ancestor the model is bound through.
#[derive(Debug, Serialize)]
pub struct LineageReport {
    /// A Hub repo id, or for a manifest `base` the base entry's source.
    pub model: String,
    /// `adapter`, `merge`, `quantized`, `finetune`, or `base` for a
    /// manifest `base` entry.
    pub relation: String,
    pub license: Option<String>,
    /// The manifest entry, for a `base`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
}

/// An obligation of one model, and the base it comes through.
#[derive(Debug, Serialize)]
pub struct ModelObligation {
    #[serde(flatten)]
    pub obligation: Obligation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// The manifest as one pipeline.
#[derive(Debug, Serialize)]
pub struct Pipeline {
    pub obligations: Vec<PipelineObligation>,
    pub thresholds: Vec<Threshold>,
    pub conflicts: Vec<ConflictReport>,
}

/// An obligation of the pipeline, with every model and license it comes from.
#[derive(Debug, Serialize)]
pub struct PipelineObligation {
    pub kind: obligations::Kind,
    pub text: String,
    #[serde(rename = "where", skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
    pub source: String,
    pub licenses: Vec<String>,
    pub models: Vec<String>,
}

/// A limit the pipeline must stay under, strictest first.
#[derive(Debug, Serialize)]
pub struct Threshold {
    /// `monthly-active-users`.
    pub kind: &'static str,
    pub limit: u64,
    pub license: String,
    pub models: Vec<String>,
    pub measured: String,
    pub consequence: String,
    pub source: String,
    /// `[use] monthly-active-users`, when declared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exceeded: Option<bool>,
    /// The license is in `[use] agreements`: the product holds a separate
    /// agreement with the licensor.
    pub agreement: bool,
}

/// A conflict `check` reports too (`policy::use-conflict`,
/// `license::card-mismatch`).
#[derive(Debug, Serialize)]
pub struct ConflictReport {
    pub code: &'static str,
    pub severity: crate::diag::Severity,
    pub model: Option<String>,
    pub message: String,
    pub help: Option<String>,
}

impl From<Diag> for ConflictReport {
    fn from(d: Diag) -> Self {
        ConflictReport {
            code: d.code.as_str(),
            severity: d.severity,
            model: d.model,
            message: d.message,
            help: d.help,
        }
    }
}

/// A name-based (version 5 layout) UUID from a sha256: the same content,
/// the same UUID — the BOMs' serial number and namespace.
pub fn content_uuid(digest: &[u8]) -> String {
    let h = crate::hashing::hex(digest);
    let variant = (u8::from_str_radix(&h[16..17], 16).unwrap_or(0) & 0x3) | 0x8;
    format!(
        "{}-{}-5{}-{variant:x}{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// Builds the report of the `selected` entries.
pub fn build(
    manifest: &Manifest,
    lock: &Lock,
    lock_file: crate::diag::FileId,
    store: &Store,
    selected: &[&ModelEntry],
    today: crate::date::Date,
) -> Report {
    let mut models = Vec::new();
    let mut conflicts: Vec<ConflictReport> = Vec::new();
    for entry in selected {
        let locked = lock.model(&entry.name);
        let status = match locked {
            None => "not-locked",
            Some(l) if !stale::differences(entry, l).is_empty() => "stale",
            Some(_) => "locked",
        };
        if let (Some(l), "locked") = (locked, status) {
            conflicts.extend(
                policy::use_conflicts(manifest, entry, lock, lock_file)
                    .into_iter()
                    .map(ConflictReport::from),
            );
            let declared = store.declared_license(&l.license_digest);
            conflicts.extend(
                policy::card_mismatch(manifest, entry, l, lock_file, declared.as_deref(), today)
                    .map(ConflictReport::from),
            );
        }
        models.push(model_report(manifest, lock, entry, locked, status));
    }
    let pipeline = Pipeline {
        obligations: pipeline_obligations(&models),
        thresholds: thresholds(manifest, &models),
        conflicts,
    };
    Report { models, pipeline }
}

fn model_report(
    manifest: &Manifest,
    lock: &Lock,
    entry: &ModelEntry,
    locked: Option<&LockedModel>,
    status: &'static str,
) -> ModelReport {
    let kb = Kb::builtin();
    let bound = usage::bound_licenses(manifest, entry, lock);
    let license = bound
        .first()
        .filter(|b| b.via.is_none())
        .map(|b| b.license.clone());
    let known = license.as_deref().and_then(|l| kb.get(l));
    let ancestors = |l: Option<&LockedModel>| {
        l.map(|l| l.lineage.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|a| LineageReport {
                model: a.model.clone(),
                relation: a.relation.clone(),
                license: a.license.clone(),
                entry: None,
            })
            .collect::<Vec<_>>()
    };
    let mut lineage = ancestors(locked);
    // the manifest's `base` chain
    for b in manifest.with_bases(entry).into_iter().skip(1) {
        let bl = lock.model(&b.name);
        lineage.push(LineageReport {
            model: b.source_raw.clone(),
            relation: "base".into(),
            license: bl
                .and_then(|l| l.license.clone())
                .or_else(|| b.license.as_ref().map(|l| l.value.clone())),
            entry: Some(b.name.clone()),
        });
        lineage.extend(ancestors(bl));
    }
    let mut obligations = Vec::new();
    for b in &bound {
        for o in obligations::of(&b.license) {
            obligations.push(ModelObligation {
                obligation: o,
                via: b.via.clone(),
            });
        }
    }
    if bound.is_empty() {
        obligations.push(ModelObligation {
            obligation: Obligation {
                kind: obligations::Kind::UnknownTerms,
                text: "the model declares no license: find its terms before you use it".into(),
                placement: None,
                source: "models.lock".into(),
                license: "none".into(),
            },
            via: None,
        });
    }
    ModelReport {
        name: entry.name.clone(),
        source: entry.source_raw.clone(),
        revision: locked.map(|l| l.revision.clone()),
        status,
        license: license.clone(),
        license_name: known.map(|e| e.name.clone()),
        category: known.map_or(Category::Unknown, |e| e.category).as_str(),
        multimodal: locked.and_then(|l| l.multimodal),
        files: locked
            .map(|l| {
                l.license_files
                    .iter()
                    .zip(crate::license::scope::scopes(&l.license_files))
                    .map(|(f, scope)| FileReport {
                        path: f.path.clone(),
                        id: f.id.clone().unwrap_or_else(|| "unknown".into()),
                        confidence: f.confidence.map(|c| f64::from(c) / 100.0),
                        nearest: f.nearest.clone(),
                        nearest_text: f.nearest_text.clone(),
                        governs: scope.as_str(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        documents: locked
            .map(|l| {
                l.documents
                    .iter()
                    .map(|d| DocumentReport {
                        title: d.title.clone(),
                        url: d.url.clone(),
                        origin: d.origin.clone(),
                        digest: d.digest.clone(),
                        unavailable: d.unavailable.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        lineage,
        obligations,
        supply: locked.map(SupplyReport::of),
        locked_files: locked
            .map(|l| {
                l.files
                    .iter()
                    .map(|f| (f.path.clone(), f.sha256.clone(), f.class().as_str()))
                    .collect()
            })
            .unwrap_or_default(),
        license_digest: locked.map(|l| l.license_digest.clone()),
    }
}

/// The union of the models' obligations: one per kind and text, naming
/// every model and license it comes from, in the order of
/// the order of [`obligations::Kind`].
fn pipeline_obligations(models: &[ModelReport]) -> Vec<PipelineObligation> {
    let mut out: Vec<PipelineObligation> = Vec::new();
    for m in models {
        for mo in &m.obligations {
            let o = &mo.obligation;
            let same = out
                .iter_mut()
                .find(|p| p.kind == o.kind && p.text == o.text);
            match same {
                Some(p) => {
                    if !p.models.contains(&m.name) {
                        p.models.push(m.name.clone());
                    }
                    if !p.licenses.iter().any(|l| ids::same(l, &o.license)) {
                        p.licenses.push(o.license.clone());
                    }
                }
                None => out.push(PipelineObligation {
                    kind: o.kind,
                    text: o.text.clone(),
                    placement: o.placement.clone(),
                    source: o.source.clone(),
                    licenses: vec![o.license.clone()],
                    models: vec![m.name.clone()],
                }),
            }
        }
    }
    out.sort_by_key(|p| p.kind);
    out
}

/// Every user threshold of a license the pipeline is bound by, strictest
/// (lowest) first.
fn thresholds(manifest: &Manifest, models: &[ModelReport]) -> Vec<Threshold> {
    let kb = Kb::builtin();
    let declared = manifest
        .usage
        .monthly_active_users
        .as_ref()
        .map(|u| u.value);
    let mut out: Vec<Threshold> = Vec::new();
    for m in models {
        for mo in &m.obligations {
            let Some(t) = kb
                .get(&mo.obligation.license)
                .and_then(|e| e.conditions.mau_threshold.as_ref())
            else {
                continue;
            };
            let license = &mo.obligation.license;
            match out.iter_mut().find(|x| ids::same(&x.license, license)) {
                Some(x) => {
                    if !x.models.contains(&m.name) {
                        x.models.push(m.name.clone());
                    }
                }
                None => out.push(Threshold {
                    kind: "monthly-active-users",
                    limit: t.users,
                    license: license.clone(),
                    models: vec![m.name.clone()],
                    measured: t.measured.clone(),
                    consequence: t.consequence.clone(),
                    source: t.source.clone(),
                    declared,
                    exceeded: declared.map(|d| d > t.users),
                    agreement: manifest
                        .usage
                        .agreements
                        .iter()
                        .any(|a| ids::same(&a.value, license)),
                }),
            }
        }
    }
    out.sort_by(|a, b| {
        a.limit
            .cmp(&b.limit)
            .then_with(|| a.license.cmp(&b.license))
    });
    out
}
