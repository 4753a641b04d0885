//! The documents each model's terms incorporate, locked once every model
//! is resolved: what the knowledge base says each of its licenses
//! incorporates (Llama's acceptable use policies, Gemma's prohibited use
//! policy) and the page of its card's `license_link`, each URL read once
//! for all models, concurrently; and the baseline that reviews recorded
//! before documents were locked are taken to cover.

use super::Resolver;
use crate::diag::{Code, Diag};
use crate::license::documents::{self, Document, DocumentSet, Wanted};
use crate::lock::{Lock, LockedModel};
use crate::manifest::Manifest;
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};

/// A document that could not be read for a model.
#[derive(Clone, Debug)]
pub struct Unread {
    pub model: String,
    pub title: String,
    pub url: String,
    pub why: String,
    /// Whether the text locked before was kept (else the document is
    /// locked as unavailable).
    pub kept: bool,
}

impl Unread {
    /// `license::document-unavailable`, a warning at the model's entry.
    pub fn diag(&self, manifest: &Manifest) -> Diag {
        let (message, help) = if self.kept {
            (
                format!(
                    "could not read the {} of `{}` ({}): {}; the text locked before is kept",
                    self.title, self.model, self.url, self.why
                ),
                "run `modellock update` again when it can be reached, to see whether it changed"
                    .to_owned(),
            )
        } else {
            (
                format!(
                    "could not read the {} of `{}` ({}): {}; its terms are not locked",
                    self.title, self.model, self.url, self.why
                ),
                "read it yourself before approving the model, and run `modellock update` again when it can be reached (MODELLOCK_DOCUMENTS_MIRROR reads documents through a mirror)"
                    .to_owned(),
            )
        };
        let mut d = Diag::warning(Code::LicenseDocumentUnavailable, message)
            .with_model(self.model.clone())
            .with_help(help);
        if let Some(e) = manifest.model(&self.model) {
            d = d.with_label(manifest.file, e.anchor(), "this model");
        }
        d
    }
}

impl Resolver {
    /// The documents a locked model's terms call for that are read by URL:
    /// the knowledge base's for each license it is under (declared, bound,
    /// or what its license files are), and its card's `license_link`.
    pub fn wanted_documents(&self, m: &LockedModel) -> Vec<Wanted> {
        let terms = self.cx.texts.terms(&m.license_digest);
        let declared = terms
            .as_ref()
            .and_then(|t| match (&t.card.license, &t.card.license_name) {
                (Some(l), Some(n)) if l.eq_ignore_ascii_case("other") => Some(n.clone()),
                (l, _) => l.clone(),
            });
        let mut ids: Vec<&str> = Vec::new();
        ids.extend(declared.as_deref());
        ids.extend(m.license.as_deref());
        ids.extend(m.license_files.iter().filter_map(|l| l.id.as_deref()));
        let mut wanted = documents::incorporated(ids);
        let link = terms.as_ref().and_then(|t| t.card.license_link.clone());
        if let (Some(repo), Some(link)) = (m.source.strip_prefix("hf:"), link) {
            if let Some(url) = crate::source::document::card_link(repo, &m.revision, &link) {
                if !wanted
                    .iter()
                    .any(|w| w.url.as_deref() == Some(url.as_str()))
                {
                    wanted.push(Wanted {
                        title: "License page the card links to".to_owned(),
                        url: Some(url),
                        origin: documents::ORIGIN_CARD_LINK.to_owned(),
                        text: None,
                    });
                }
            }
        }
        wanted
    }

    /// Reads every URL once, `jobs` at a time: its text, or why not.
    pub fn read_documents<'u>(
        &self,
        urls: impl IntoIterator<Item = &'u str>,
        jobs: usize,
    ) -> HashMap<String, Result<Vec<u8>, String>> {
        let urls: BTreeSet<&str> = urls.into_iter().collect();
        let work = || {
            urls.par_iter()
                .map(|u| ((*u).to_owned(), crate::source::document::read(&self.cx, u)))
                .collect()
        };
        match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
            Ok(pool) => pool.install(work),
            Err(_) => work(),
        }
    }

    /// Locks the documents of the models `refresh` names in `new` (read
    /// now; the rest keep theirs), with each one's `documents-digest` and
    /// the baseline of reviews recorded before documents were locked.
    /// What could not be read is returned.
    pub fn lock_documents(
        &self,
        new: &mut Lock,
        old: Option<&Lock>,
        refresh: &[&str],
        jobs: usize,
    ) -> Vec<Unread> {
        let mut models: Vec<(LockedModel, Vec<Wanted>)> = refresh
            .iter()
            .filter_map(|n| new.model(n).cloned())
            .map(|m| {
                let w = self.wanted_documents(&m);
                (m, w)
            })
            .collect();
        let read = self.read_documents(
            models
                .iter()
                .flat_map(|(_, w)| w.iter().filter_map(|w| w.url.as_deref())),
            jobs,
        );
        let mut unread = Vec::new();
        for (m, wanted) in &mut models {
            let before = old.and_then(|o| o.model(&m.name));
            // the texts the source gave (the gated prompt) stay; documents
            // behind URLs are what was read now
            m.documents.retain(|d| d.url.is_none());
            for w in wanted.iter() {
                let Some(url) = &w.url else { continue };
                let doc = match &read[url] {
                    Ok(text) => {
                        self.cx.texts.keep_text(text);
                        Document {
                            title: w.title.clone(),
                            url: Some(url.clone()),
                            origin: w.origin.clone(),
                            digest: Some(crate::license::file_digest(text)),
                            unavailable: None,
                        }
                    }
                    Err(why) => {
                        let earlier = before
                            .and_then(|b| b.documents.iter().find(|d| d.url.as_ref() == Some(url)))
                            .and_then(|d| d.digest.clone())
                            .filter(|d| self.cx.texts.has_text(d));
                        unread.push(Unread {
                            model: m.name.clone(),
                            title: w.title.clone(),
                            url: url.clone(),
                            why: why.clone(),
                            kept: earlier.is_some(),
                        });
                        Document {
                            title: w.title.clone(),
                            url: Some(url.clone()),
                            origin: w.origin.clone(),
                            unavailable: earlier.is_none().then(|| why.clone()),
                            digest: earlier,
                        }
                    }
                };
                m.documents.push(doc);
            }
            let set = DocumentSet::of(&m.documents);
            if !set.is_empty() {
                self.cx.texts.keep_documents(&set);
            }
            m.documents_digest = Some(set.digest());
            m.documents_baseline = baseline(before, m);
        }
        for (m, _) in models {
            new.insert(m);
        }
        unread
    }
}

/// The documents digest reviews recorded without one cover: set when a
/// lock entry written before documents were locked gains them with its
/// license terms unchanged (upgrading modellock turns no reviewed model
/// red), kept while the license terms stay the same.
fn baseline(before: Option<&LockedModel>, now: &LockedModel) -> Option<String> {
    let b = before.filter(|b| b.license_digest == now.license_digest)?;
    match &b.documents_digest {
        None => now
            .documents_digest
            .clone()
            .filter(|_| !now.documents.is_empty()),
        Some(_) => b.documents_baseline.clone(),
    }
}
