//! `models.lock`: the generated file that pins every model.
//!
//! The reader ([`parse`]) keeps the span of each model's entry for
//! diagnostics and tolerates keys it does not know (a newer modellock may add
//! some); the writer ([`write`]) is hand-written so that the same content is
//! always the same bytes.

mod diags;
mod parse;
mod write;

pub use diags::*;
pub use parse::parse;
pub use write::{render, write_atomic, WriteOutcome};

use std::ops::Range;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "models.lock";
/// The lock format this modellock reads and writes.
pub const VERSION: i64 = 1;

pub use crate::license::LicenseFile;

/// A locked file and an ancestor are what the source's snapshot says.
pub use crate::source::snapshot::{Ancestor, File as LockedFile};

/// One `[[model]]` of the lock.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct LockedModel {
    pub name: String,
    pub source: String,
    /// The revision or version requirement asked for.
    pub requested: Option<String>,
    /// The tag a version requirement resolved to.
    pub tag: Option<String>,
    /// The resolved commit, manifest digest or directory digest.
    pub revision: String,
    /// The license as the source declares it.
    pub license: Option<String>,
    /// The Hub's immutable id of the repo (`_id`), and its owner: a repo of
    /// the same name with another id was deleted and created again.
    pub hub_id: Option<String>,
    pub author: Option<String>,
    /// What the Hub's security scan said of the locked files: whether the
    /// scans were done, and the locked files it flags with their level.
    pub scan: Option<crate::source::hf::api::Scan>,
    pub license_digest: String,
    /// The digest of the documents the terms incorporate
    /// ([`crate::license::documents::DocumentSet`]); `None` in a lock
    /// written before documents were locked.
    pub documents_digest: Option<String>,
    /// The documents digest that reviews recorded without one are taken
    /// to cover: what was locked when a lock written before documents were
    /// locked gained them, its license terms unchanged.
    pub documents_baseline: Option<String>,
    /// The documents the terms incorporate, sorted by key.
    pub documents: Vec<crate::license::documents::Document>,
    pub base_models: Vec<String>,
    /// Every ancestor up the `base_model` graph, nearest first.
    pub lineage: Vec<Ancestor>,
    /// The Hub's `pipeline_tag` (what the model does), when known.
    pub pipeline_tag: Option<String>,
    /// The datasets its card names (Hub dataset ids), for the AI BOM.
    pub datasets: Vec<String>,
    /// Whether the model is multimodal, from its pipeline tag and tags;
    /// `None` when the source does not say.
    pub multimodal: Option<bool>,
    /// The `files` globs the entry was locked with (empty: every file).
    pub include: Vec<String>,
    /// What the header of the model's GGUF file says of its license.
    pub gguf: Option<crate::source::gguf::GgufFacts>,
    pub license_files: Vec<LicenseFile>,
    pub files: Vec<LockedFile>,
    /// Where the entry is in the lock file (its `name` value), when read.
    pub span: Option<Range<usize>>,
}

impl LockedModel {
    /// Puts files, license files and documents in their canonical order.
    fn sort(&mut self) {
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        self.license_files.sort_by(|a, b| a.path.cmp(&b.path));
        self.documents
            .sort_by(|a, b| a.key().as_bytes().cmp(b.key().as_bytes()));
    }

    /// The documents the terms incorporate, by key and digest.
    pub fn document_set(&self) -> crate::license::documents::DocumentSet {
        crate::license::documents::DocumentSet::of(&self.documents)
    }

    /// What the license store must hold for this model.
    pub fn held(&self) -> crate::license::store::Held<'_> {
        crate::license::store::Held {
            license_digest: &self.license_digest,
            license_files: &self.license_files,
            documents_digest: self.documents_digest.as_deref(),
            documents: &self.documents,
            ancestors: self
                .lineage
                .iter()
                .filter_map(|a| Some((a.model.as_str(), a.license_digest.as_deref()?)))
                .collect(),
        }
    }
}

/// The whole lock, always in its canonical order — models sorted by name
/// (one per name), each model's files and license files by path — so that
/// [`Lock::model`] can binary-search and [`render`] needs no sort. The order
/// is kept by construction: the models are reached only through the
/// methods below.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lock {
    models: Vec<LockedModel>,
}

impl Lock {
    /// A lock of these models, put in the canonical order (of two models
    /// with one name, the first is kept).
    pub fn new(models: Vec<LockedModel>) -> Lock {
        let mut models = models;
        for m in &mut models {
            m.sort();
        }
        models.sort_by(|a, b| a.name.cmp(&b.name));
        models.dedup_by(|b, a| a.name == b.name);
        Lock { models }
    }

    /// The models, sorted by name.
    pub fn models(&self) -> &[LockedModel] {
        &self.models
    }

    pub fn model(&self, name: &str) -> Option<&LockedModel> {
        self.position(name).ok().map(|i| &self.models[i])
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.models.binary_search_by(|m| m.name.as_str().cmp(name))
    }

    /// Adds a model, in its place; one of the same name is replaced.
    pub fn insert(&mut self, mut m: LockedModel) {
        m.sort();
        match self.position(&m.name) {
            Ok(i) => self.models[i] = m,
            Err(i) => self.models.insert(i, m),
        }
    }

    pub fn into_models(self) -> Vec<LockedModel> {
        self.models
    }

    /// This lock as a lock written before modellock recorded the card's
    /// `datasets` would be, where `old` is such a lock: a model at the
    /// revision `old` locked, with no datasets there, is taken without
    /// them. Those facts are fixed by the revision (the card at a commit
    /// does not change), so a lock that lacks them is not outdated —
    /// `update --locked` holds the lock to the sources, and upgrading
    /// modellock must not make it red by itself; `update` records them.
    pub fn as_seen_by(mut self, old: &Lock) -> Lock {
        for m in &mut self.models {
            if let Some(o) = old.model(&m.name) {
                if o.revision == m.revision && o.source == m.source && o.datasets.is_empty() {
                    m.datasets.clear();
                }
            }
        }
        self
    }

    /// The same lock without the spans it was read with (to compare locks
    /// by content).
    pub fn without_spans(mut self) -> Lock {
        for m in &mut self.models {
            m.span = None;
        }
        self
    }
}

/// The lock's path: `models.lock` beside the manifest.
pub fn path_for(manifest: &Path) -> PathBuf {
    manifest.with_file_name(FILE_NAME)
}
