//! For one model: what is locked, the newest revision its requirement
//! allows and the newest that exists at all — and for each, whether its
//! license terms differ from the locked ones, from its license files only
//! (never the weights).

use super::{Failure, Resolver};
use crate::hashing::short_id;
use crate::license::compare::{self, Side};
use crate::lock::LockedModel;
use crate::manifest::ModelEntry;
use crate::source::candidates::Newer;
use serde::Serialize;

/// A revision newer than the locked one, with its terms compared.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Candidate {
    /// `v2.0.0`, `main@1a2b3c4d5e6f`, `latest@sha256:…`.
    pub label: String,
    pub tag: Option<String>,
    pub revision: String,
    pub license: Option<String>,
    pub license_digest: String,
    pub license_changed: bool,
    /// What changed in the terms since the locked ones (empty: the same).
    pub what_changed: Vec<String>,
}

/// One model's row.
#[derive(Debug, Serialize)]
pub struct Row<'a> {
    #[serde(rename = "name")]
    #[serde(serialize_with = "entry_name")]
    pub entry: &'a ModelEntry,
    pub source: &'a str,
    pub requested: Option<String>,
    #[serde(serialize_with = "locked_side")]
    pub locked: Option<&'a LockedModel>,
    pub compatible: Option<Candidate>,
    pub latest: Option<Candidate>,
    pub outdated: bool,
    /// Why there is nothing to compare (not locked, a local directory).
    pub note: Option<&'static str>,
    /// The documents the locked terms incorporate that read otherwise now
    /// than when they were locked.
    pub documents: Vec<DocumentNow>,
}

/// A locked document as it reads now, when that differs from the lock.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct DocumentNow {
    pub title: String,
    pub url: String,
    /// `changed`, `unavailable` (it was read when locked, not now) or
    /// `readable` (it was not read when locked, it is now).
    pub status: &'static str,
    pub locked_digest: Option<String>,
    pub digest: Option<String>,
    /// Why it cannot be read now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// What changed in it, in substance.
    pub what_changed: Vec<String>,
}

fn entry_name<S: serde::Serializer>(e: &&ModelEntry, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&e.name)
}

fn locked_side<S: serde::Serializer>(l: &Option<&LockedModel>, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    #[serde(rename_all = "kebab-case")]
    struct Side<'a> {
        tag: &'a Option<String>,
        revision: &'a str,
        license: &'a Option<String>,
        license_digest: &'a str,
    }
    l.map(|l| Side {
        tag: &l.tag,
        revision: &l.revision,
        license: &l.license,
        license_digest: &l.license_digest,
    })
    .serialize(s)
}

impl Resolver {
    /// The locked documents of `locked` that read otherwise now, from the
    /// texts `read` (by URL, as [`Resolver::read_documents`] gives them).
    pub fn documents_now(
        &self,
        locked: &LockedModel,
        read: &std::collections::HashMap<String, Result<Vec<u8>, String>>,
    ) -> Vec<DocumentNow> {
        use crate::license::file_digest;
        let texts = &self.cx.texts;
        let mut out = Vec::new();
        for d in &locked.documents {
            let Some(url) = &d.url else { continue };
            let Some(now) = read.get(url) else { continue };
            let (status, digest, why, what_changed) = match (now, &d.digest) {
                (Ok(text), Some(old)) if file_digest(text) != *old => {
                    let side = |digest: &str, text: Option<Vec<u8>>| Side {
                        documents: Some(vec![(url.clone(), digest.to_owned())]),
                        document_texts: text.map(|t| (url.clone(), t)).into_iter().collect(),
                        ..Side::default()
                    };
                    let new = file_digest(text);
                    let summary = compare::compare(
                        &side(old, texts.text(old)),
                        &side(&new, Some(text.clone())),
                    )
                    .summary();
                    ("changed", Some(new), None, summary)
                }
                (Ok(text), None) => ("readable", Some(file_digest(text)), None, Vec::new()),
                (Err(why), Some(_)) => ("unavailable", None, Some(why.clone()), Vec::new()),
                _ => continue,
            };
            if status == "changed" {
                self.cx
                    .texts
                    .keep_text(now.as_ref().map(Vec::as_slice).unwrap_or_default());
            }
            out.push(DocumentNow {
                title: d.title.clone(),
                url: url.clone(),
                status,
                locked_digest: d.digest.clone(),
                digest,
                why,
                what_changed,
            });
        }
        out
    }

    /// The row of one model.
    pub fn outdated<'a>(
        &self,
        entry: &'a ModelEntry,
        locked: Option<&'a LockedModel>,
    ) -> Result<Row<'a>, Failure> {
        let mut row = Row {
            entry,
            source: &entry.source_raw,
            requested: entry.requested(),
            locked,
            compatible: None,
            latest: None,
            outdated: false,
            note: None,
            documents: Vec::new(),
        };
        let Some(l) = locked else {
            row.note = Some("not locked: run `modellock update`");
            return Ok(row);
        };
        let every = |_: &str| true;
        let req = super::request(entry, None, &every);
        let found = entry
            .source
            .value
            .candidates(&self.cx, &req, &l.revision, l.tag.as_deref())?;
        row.note = found.note;
        row.compatible = found
            .compatible
            .map(|n| self.candidate(entry, l, n))
            .transpose()?;
        row.latest = found
            .latest
            .map(|n| self.candidate(entry, l, n))
            .transpose()?;
        row.outdated = row.compatible.is_some() || row.latest.is_some();
        Ok(row)
    }

    /// Looks a candidate's terms up (license files only) and compares them
    /// with the locked ones.
    fn candidate(
        &self,
        entry: &ModelEntry,
        locked: &LockedModel,
        newer: Newer,
    ) -> Result<Candidate, Failure> {
        let fetched = self.terms_at(entry, &newer.revision)?;
        let digest = fetched.terms.digest();
        let texts = &self.cx.texts;
        let changes = if digest == locked.license_digest && fetched.license == locked.license {
            Vec::new()
        } else {
            match texts.store.terms(&locked.license_digest).found() {
                Some(old) => {
                    let old = Side::new(old, &|d| texts.text(d));
                    let new = Side {
                        terms: fetched.terms.clone(),
                        texts: fetched.texts.clone(),
                        ..Side::default()
                    };
                    let mut s = compare::compare(&old, &new).summary();
                    if s.is_empty() {
                        s.push(format!(
                            "license {} → {}",
                            locked.license.as_deref().unwrap_or("none"),
                            fetched.license.as_deref().unwrap_or("none")
                        ));
                    }
                    s
                }
                None => vec![format!(
                    "the terms differ ({} → {}); the locked texts are not in .modellock/ to say how",
                    short_id(&locked.license_digest),
                    short_id(&digest)
                )],
            }
        };
        Ok(Candidate {
            label: newer.label,
            tag: newer.tag,
            revision: fetched.revision,
            license: fetched.license,
            license_digest: digest,
            license_changed: !changes.is_empty(),
            what_changed: changes,
        })
    }
}
