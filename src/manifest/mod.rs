//! `models.toml`: the typed manifest, loaded with a span for every value so
//! that diagnostics can point at it.
//!
//! Loading is two phases, as in cargo-deny: [`parse`] walks the TOML
//! document and collects every type error and unknown key; [`validate`]
//! checks what only makes sense across entries (bases, names, policy ids).

mod diags;
pub mod edit;
mod parse;
mod policy;
pub mod validate;

pub use diags::*;
pub(crate) use parse::{compile_glob, is_valid_name, revision_problem};
/// The keys each table of models.toml accepts (the JSON Schema must agree).
pub use parse::{ACCEPT_KEYS, MODEL_KEYS, POLICY_KEYS, REVIEW_KEYS, TOP_KEYS, USE_KEYS};

use crate::date::Date;
use crate::diag::{Diag, FileId, Files};
use crate::source::Source;
use globset::GlobSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "models.toml";

/// A value with the byte span it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Option<Range<usize>>,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Option<Range<usize>>) -> Self {
        Spanned { value, span }
    }
}

/// The `[policy]` table.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    pub allow: Vec<Spanned<String>>,
    pub deny: Vec<Spanned<String>>,
    /// Sources never acceptable (`org/*`, `org/name`, globs).
    pub ban: Vec<Spanned<String>>,
    /// When set, the only organisations sources may come from (globs).
    pub allow_orgs: Option<Spanned<Vec<Spanned<String>>>>,
    /// The weight formats models may ship (`safetensors`, `pickle`, …);
    /// `None`: every format but `pickle`.
    pub formats: Option<Spanned<Vec<Spanned<String>>>>,
    /// What to do with code a model ships or its configs name
    /// (`deny`, `warn`, `allow`); `None`: `warn`.
    pub remote_code: Option<Spanned<String>>,
}

/// The `[use]` table: how the product uses its models.
#[derive(Clone, Debug, Default)]
pub struct Use {
    pub commercial: Option<Spanned<bool>>,
    pub monthly_active_users: Option<Spanned<u64>>,
    pub regions: Vec<Spanned<String>>,
    /// Licenses under which the product holds a separate agreement with
    /// the licensor (e.g. Meta's license above 700 million users): use
    /// conflicts with them are not reported.
    pub agreements: Vec<Spanned<String>>,
}

/// One `[[models.NAME.review]]` record.
#[derive(Clone, Debug)]
pub struct Review {
    pub license_digest: Spanned<String>,
    /// The documents digest approved with the license terms; `None` in a
    /// record from before documents were locked (it covers the lock's
    /// `documents-baseline`).
    pub documents_digest: Option<Spanned<String>>,
    pub reviewer: Spanned<String>,
    pub date: Spanned<Date>,
    pub note: Option<Spanned<String>>,
    pub expires: Option<Spanned<Date>>,
    pub license: Option<Spanned<String>>,
    pub revision: Option<Spanned<String>>,
    /// The span of the whole record (its header or inline table).
    pub span: Option<Range<usize>>,
}

/// A finding that a person can accept for exact terms (cargo-deny's
/// exceptions, cargo-vet's audits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum Finding {
    /// `license::card-mismatch`: the card declares another license than a
    /// license file of the weights is.
    CardMismatch,
    /// `lineage::restricted-parent`: an ancestor is under terms policy
    /// does not allow and nobody reviewed.
    RestrictedParent,
    /// `policy::scan-flagged`: the Hub's scan flags locked files (the
    /// acceptance names the digest of the flagged files).
    ScanFlagged,
}

impl Finding {
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::CardMismatch => "card-mismatch",
            Finding::RestrictedParent => "restricted-parent",
            Finding::ScanFlagged => "scan-flagged",
        }
    }

    /// The record's spelling, or the diagnostic code.
    pub fn parse(s: &str) -> Option<Finding> {
        match s {
            "card-mismatch" | "license::card-mismatch" => Some(Finding::CardMismatch),
            "restricted-parent" | "lineage::restricted-parent" => Some(Finding::RestrictedParent),
            "scan-flagged" | "policy::scan-flagged" => Some(Finding::ScanFlagged),
            _ => None,
        }
    }
}

/// One `[[models.NAME.accept]]` record: a person accepted a finding for
/// exact terms. It holds while `license-digest` is what the finding is
/// about (the model's locked terms for a card mismatch, the ancestor's for
/// a restricted parent) and until `expires`.
#[derive(Clone, Debug)]
pub struct Acceptance {
    pub finding: Spanned<Finding>,
    pub license_digest: Spanned<String>,
    /// The ancestor's Hub id, for a restricted parent.
    pub ancestor: Option<Spanned<String>>,
    pub reviewer: Spanned<String>,
    pub date: Spanned<Date>,
    pub reason: Spanned<String>,
    pub expires: Option<Spanned<Date>>,
    /// The span of the whole record.
    pub span: Option<Range<usize>>,
}

impl Acceptance {
    /// Whether the record concerns this finding (and ancestor).
    pub fn concerns(&self, finding: Finding, ancestor: Option<&str>) -> bool {
        self.finding.value == finding
            && match (ancestor, &self.ancestor) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(&b.value),
                (None, None) => true,
                _ => false,
            }
    }

    pub fn live(&self, today: Date) -> bool {
        self.expires.as_ref().is_none_or(|e| e.value >= today)
    }
}

impl Review {
    /// Whether the review still counts (not past its `expires`).
    pub fn live(&self, today: Date) -> bool {
        self.expires.as_ref().is_none_or(|e| e.value >= today)
    }
}

/// One `[models.NAME]` entry.
#[derive(Clone, Debug)]
pub struct ModelEntry {
    pub name: String,
    /// The span of the name (the key in `[models.NAME]`).
    pub name_span: Option<Range<usize>>,
    pub source: Spanned<Source>,
    /// The source exactly as written.
    pub source_raw: String,
    pub revision: Option<Spanned<String>>,
    pub version: Option<Spanned<semver::VersionReq>>,
    /// The `version` requirement exactly as written.
    pub version_raw: Option<String>,
    pub files: Option<Spanned<Vec<Spanned<String>>>>,
    pub file_filter: Option<std::sync::Arc<GlobSet>>,
    pub license: Option<Spanned<String>>,
    pub base: Option<Spanned<String>>,
    /// The weight formats this model may ship, instead of the policy's.
    pub formats: Option<Spanned<Vec<Spanned<String>>>>,
    /// `deny`, `warn` or `allow` remote code, instead of the policy's.
    pub remote_code: Option<Spanned<String>>,
    pub reviews: Vec<Review>,
    /// Findings accepted for exact terms.
    pub accepts: Vec<Acceptance>,
}

impl ModelEntry {
    /// What the lock records as `requested`: the version requirement, the
    /// revision, or the source's default (`main`, the Ollama tag).
    pub fn requested(&self) -> Option<String> {
        if let Some(v) = &self.version_raw {
            return Some(v.clone());
        }
        if let Some(r) = &self.revision {
            return Some(r.value.clone());
        }
        self.source.value.default_requested()
    }

    /// The `files` globs as written, or empty for "every file".
    pub fn file_patterns(&self) -> Vec<String> {
        self.files
            .as_ref()
            .map(|f| f.value.iter().map(|g| g.value.clone()).collect())
            .unwrap_or_default()
    }

    /// Whether a file path is selected by the `files` globs.
    pub fn wants_file(&self, path: &str) -> bool {
        self.file_filter.as_ref().is_none_or(|g| g.is_match(path))
    }

    /// The span best used to point at this entry as a whole.
    pub fn anchor(&self) -> Option<Range<usize>> {
        self.name_span.clone().or_else(|| self.source.span.clone())
    }

    /// The newest review (by date, then by position), if any.
    pub fn newest_review(&self) -> Option<&Review> {
        self.reviews
            .iter()
            .enumerate()
            .max_by_key(|(i, r)| (r.date.value, *i))
            .map(|(_, r)| r)
    }
}

/// A loaded manifest. Entries with errors are left out; the diagnostics
/// returned beside it say why.
#[derive(Clone, Debug)]
pub struct Manifest {
    pub path: PathBuf,
    pub file: FileId,
    pub policy: Policy,
    pub usage: Use,
    /// Entries in file order.
    pub models: Vec<ModelEntry>,
    /// Each entry's position in `models`, by name (the first of a name).
    index: std::collections::HashMap<String, usize>,
}

impl Manifest {
    pub fn dir(&self) -> &Path {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        }
    }

    /// The entry of this name (a lookup in the index: a lock of thousands
    /// of models is checked in linear time).
    pub fn model(&self, name: &str) -> Option<&ModelEntry> {
        let m = self.models.get(*self.index.get(name)?)?;
        // the index is built with the entries; an entry changed since is
        // found by a search
        if m.name == name {
            Some(m)
        } else {
            self.models.iter().find(|m| m.name == name)
        }
    }

    /// A manifest of these parts, with its index.
    pub fn new(
        path: PathBuf,
        file: FileId,
        policy: Policy,
        usage: Use,
        models: Vec<ModelEntry>,
    ) -> Manifest {
        let mut index = std::collections::HashMap::with_capacity(models.len());
        for (i, m) in models.iter().enumerate() {
            index.entry(m.name.clone()).or_insert(i);
        }
        Manifest {
            path,
            file,
            policy,
            usage,
            models,
            index,
        }
    }

    /// The entry and its `base` chain, the entry first (a cycle, which
    /// validation reports, ends the chain).
    pub fn with_bases<'a>(&'a self, entry: &'a ModelEntry) -> Vec<&'a ModelEntry> {
        let mut chain = vec![entry];
        let mut next = entry.base.as_ref().and_then(|b| self.model(&b.value));
        while let Some(b) = next {
            if chain.iter().any(|e| e.name == b.name) {
                break;
            }
            chain.push(b);
            next = b.base.as_ref().and_then(|x| self.model(&x.value));
        }
        chain
    }
}

/// Reads and loads the manifest at `path`. Returns `None` with diagnostics
/// when the file cannot be read or is not TOML.
pub fn load(path: &Path, files: &mut Files) -> (Option<Manifest>, Vec<Diag>) {
    let text = match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                return (
                    None,
                    vec![diags::NotUtf8 {
                        path: path.to_owned(),
                        offset: e.utf8_error().valid_up_to(),
                    }
                    .into()],
                );
            }
        },
        Err(e) => {
            return (
                None,
                vec![diags::ReadFailed {
                    path: path.to_owned(),
                    error: e,
                }
                .into()],
            )
        }
    };
    load_str(path, text, files)
}

/// Loads a manifest from text already read from `path`.
pub fn load_str(path: &Path, text: String, files: &mut Files) -> (Option<Manifest>, Vec<Diag>) {
    let file = files.add(path.display().to_string(), text.as_str());
    let mut diags = Vec::new();
    let doc = match toml_edit::Document::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            diags.push(
                diags::ParseError {
                    file,
                    message: e.message().to_owned(),
                    span: e.span(),
                }
                .into(),
            );
            return (None, diags);
        }
    };
    let mut manifest = parse::parse(&doc, path, file, &mut diags);
    validate::validate(&mut manifest, &mut diags);
    (Some(manifest), diags)
}
