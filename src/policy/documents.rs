//! The documents a model's terms incorporate, at the gate: a review covers
//! them when it approved the locked `documents-digest` (or, recorded before
//! documents were locked, when the documents are still the baseline the
//! lock took for it); a document that changed behind its URL while the
//! license did not is `license::document-changed`; one that could not be
//! read is a warning for as long as the lock says so.

use super::diags::ReviewNeeded;
use crate::date::Date;
use crate::diag::{Code, Diag, FileId};
use crate::license::documents::{changes, DocumentChange, DocumentSet};
use crate::license::Store;
use crate::lock::LockedModel;
use crate::manifest::{Manifest, ModelEntry, Review};

/// Whether a review of the locked license digest also covers the locked
/// documents.
pub fn covers(review: &Review, locked: &LockedModel) -> bool {
    let Some(locked_digest) = &locked.documents_digest else {
        // a lock from before documents were locked: nothing to cover
        return true;
    };
    if locked.documents.is_empty() {
        return true;
    }
    match &review.documents_digest {
        Some(d) => d.value == *locked_digest,
        None => locked.documents_baseline.as_ref() == Some(locked_digest),
    }
}

/// What a review approved of the documents: its documents digest, or the
/// lock's baseline for a review recorded before documents were locked.
pub fn reviewed_digest(review: &Review, locked: &LockedModel) -> Option<String> {
    review
        .documents_digest
        .as_ref()
        .map(|d| d.value.clone())
        .or_else(|| locked.documents_baseline.clone())
}

/// `license::document-changed`: the license terms are reviewed, the
/// documents they incorporate are not what was reviewed.
pub struct DocumentChanged {
    pub base: ReviewNeeded,
    pub reviewer: String,
    pub date: Date,
    pub review_span: Option<std::ops::Range<usize>>,
    /// What changed, document by document, with each one's title; `None`
    /// when the reviewed documents are not in the store.
    pub changes: Option<Vec<(String, DocumentChange)>>,
    /// What changed in substance in their texts, when the store has them.
    pub substance: Vec<String>,
}

impl DocumentChanged {
    pub fn new(
        base: ReviewNeeded,
        review: &Review,
        locked: &LockedModel,
        store: Option<&Store>,
    ) -> DocumentChanged {
        // what the review approved: none of them for a record from before
        // documents were locked without a baseline; else the set its
        // digest (or the baseline) names, when the store has it
        let reviewed = match (&review.documents_digest, &locked.documents_baseline) {
            (None, None) => Some(DocumentSet::default()),
            _ => reviewed_digest(review, locked).and_then(|d| {
                if d == DocumentSet::default().digest() {
                    return Some(DocumentSet::default());
                }
                store?.documents(&d).found()
            }),
        };
        let substance = match (&reviewed, store) {
            (Some(old), Some(store)) => {
                use crate::license::compare::{compare, Side};
                let text = |d: &str| store.text(d).found();
                let a = Side::default().with_documents(old, &text);
                let b = Side::default().with_documents(&locked.document_set(), &text);
                compare(&a, &b).summary()
            }
            _ => Vec::new(),
        };
        let changes = reviewed.map(|old| {
            changes(&old, &locked.document_set())
                .into_iter()
                .map(|c| {
                    let title = locked
                        .documents
                        .iter()
                        .find(|d| d.key() == c.key)
                        .map(|d| d.title.clone())
                        .unwrap_or_else(|| "document".to_owned());
                    (title, c)
                })
                .collect()
        });
        DocumentChanged {
            base,
            reviewer: review.reviewer.value.clone(),
            date: review.date.value,
            review_span: review.license_digest.span.clone(),
            changes,
            substance,
        }
    }
}

impl From<DocumentChanged> for Diag {
    fn from(d: DocumentChanged) -> Diag {
        let b = &d.base;
        let what = match &d.changes {
            Some(list) if !list.is_empty() => {
                let mut s = String::from("what changed:\n");
                for (title, c) in list {
                    s.push_str(&format!("  {title} ({}): {}\n", c.key, c.what()));
                }
                for line in d.substance.iter().take(12) {
                    s.push_str(&format!("    {line}\n"));
                }
                s
            }
            _ => "the reviewed documents are not in the license store, so what changed cannot be shown offline\n".to_owned(),
        };
        Diag::error(
            Code::LicenseDocumentChanged,
            format!(
                "a document the terms of model `{}` incorporate changed since {} reviewed them on {}; the license itself did not",
                b.model, d.reviewer, d.date
            ),
        )
        .with_model(b.model.clone())
        .with_label(b.file, b.entry_span.clone(), "this model")
        .with_label(
            b.file,
            d.review_span.clone(),
            "reviewed with other documents",
        )
        .with_label(b.lock_file, b.lock_span.clone(), "locked documents")
        .with_help(format!(
            "{what}a use policy is part of the terms: the change needs a review before the model is used:\n\n{}",
            b.commands()
        ))
    }
}

/// `license::document-unavailable` for each document the lock lists as
/// not read.
pub fn unavailable(
    manifest: &Manifest,
    entry: &ModelEntry,
    locked: &LockedModel,
    lock_file: FileId,
) -> Vec<Diag> {
    locked
        .documents
        .iter()
        .filter_map(|doc| {
            let why = doc.unavailable.as_ref()?;
            Some(
                Diag::warning(
                    Code::LicenseDocumentUnavailable,
                    format!(
                        "the {} of `{}` ({}) was not read when the model was locked ({why}): those terms are not locked",
                        doc.title,
                        entry.name,
                        doc.key()
                    ),
                )
                .with_model(entry.name.clone())
                .with_label(manifest.file, entry.anchor(), "this model")
                .with_label(lock_file, locked.span.clone(), "locked without it")
                .with_help("read it before approving the model, and run `modellock update` when it can be reached"),
            )
        })
        .collect()
}
