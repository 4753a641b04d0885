//! The two sides `diff` compares: the terms a reference names —
//! `reviewed` (the newest review's), `locked`, a license digest in the
//! store, or a revision of the source, fetched (license files only).

use super::Resolver;
use crate::diag::{Code, Diag};
use crate::hashing::short_id;
use crate::license::compare::Side;
use crate::license::documents::DocumentSet;
use crate::license::store::Lookup;
use crate::license::{Store, Terms};
use crate::lock::LockedModel;
use crate::manifest::{Manifest, ModelEntry};
use serde_json::{json, Value};

/// One resolved side: its terms and texts, and how to name it.
pub struct Resolved {
    pub side: Side,
    /// `reviewed`, `locked`, `v2.0`, …
    pub label: String,
    /// One line for people: whose review, which digest, which revision.
    pub about: String,
    pub json: Value,
}

/// Everything a side is resolved from.
pub struct Sources<'a> {
    pub manifest: &'a Manifest,
    pub entry: &'a ModelEntry,
    pub locked: Option<&'a LockedModel>,
    pub store: &'a Store,
    pub resolver: &'a Resolver,
    /// Says what is being fetched (progress, on stderr).
    pub status: &'a (dyn Fn(&str) + Sync),
}

fn unavailable(entry: &ModelEntry, message: String, help: String) -> Diag {
    Diag::error(Code::DiffTermsUnavailable, message)
        .with_model(entry.name.clone())
        .with_help(help)
}

impl Sources<'_> {
    fn text(&self, digest: &str) -> Option<Vec<u8>> {
        self.store
            .text(digest)
            .found()
            .or_else(|| self.resolver.texts().text(digest))
    }

    fn side(&self, terms: Terms) -> Side {
        Side::new(terms, &|d| self.text(d))
    }

    /// `side` with the documents behind `digest` (a documents digest), when
    /// the store or the lock has them.
    fn with_documents(&self, side: Side, digest: Option<&str>) -> Side {
        let Some(digest) = digest else { return side };
        let set = match self.locked {
            Some(l) if l.documents_digest.as_deref() == Some(digest) => Some(l.document_set()),
            _ => self
                .store
                .documents(digest)
                .found()
                .or_else(|| self.resolver.texts().documents(digest)),
        };
        match set {
            Some(set) => side.with_documents(&set, &|d| self.text(d)),
            None => side,
        }
    }

    /// The reviewed `side` with the documents the review covers: its own
    /// documents digest, or for a review recorded before documents were
    /// locked, the lock's baseline (without one, it saw none of them).
    fn reviewed_side(&self, side: Side, review: &crate::manifest::Review) -> Side {
        let digest = match (&review.documents_digest, self.locked) {
            (Some(d), _) => Some(d.value.clone()),
            (None, Some(l)) if l.documents_digest.is_some() => Some(
                l.documents_baseline
                    .clone()
                    .unwrap_or_else(|| DocumentSet::default().digest()),
            ),
            (None, _) => None,
        };
        match digest {
            Some(d) if d == DocumentSet::default().digest() => {
                side.with_documents(&DocumentSet::default(), &|_| None)
            }
            d => self.with_documents(side, d.as_deref()),
        }
    }

    /// The terms `reference` names: `reviewed`, `locked`, a license
    /// digest in the store, or a revision of the source (fetched).
    pub fn resolve(&self, reference: &str) -> Result<Resolved, Diag> {
        match reference {
            "reviewed" => self.reviewed(),
            "locked" => self.locked(),
            // a license digest in the store; else (an Ollama manifest
            // digest, a short commit) a revision of the source
            r if is_digest_ref(r) => self.digest(r).or_else(|e| {
                let ollama = matches!(self.entry.source.value, crate::source::Source::Ollama(_));
                if (ollama && r.starts_with("sha256:")) || !r.starts_with("sha256:") {
                    self.fetched(r, r, None)
                } else {
                    Err(e)
                }
            }),
            r => self.fetched(r, r, None),
        }
    }

    fn reviewed(&self) -> Result<Resolved, Diag> {
        let Some(review) = self.entry.newest_review() else {
            return Ok(Resolved {
                side: Side {
                    documents: Some(Vec::new()),
                    ..Side::default()
                },
                label: "no review".to_owned(),
                about: "no review on record: every term is new".to_owned(),
                json: json!({"ref": "reviewed", "digest": null}),
            });
        };
        let digest = &review.license_digest.value;
        let who = format!(
            "reviewed by {} on {}",
            review.reviewer.value, review.date.value
        );
        let mut json = json!({
            "ref": "reviewed", "digest": digest, "reviewer": review.reviewer.value,
            "date": review.date.value.to_string(),
            "license": review.license.as_ref().map(|l| &l.value),
            "revision": review.revision.as_ref().map(|r| &r.value),
            "documents-digest": review.documents_digest.as_ref().map(|d| &d.value),
        });
        let at = review
            .revision
            .as_ref()
            .map(|r| format!(", at {}", short_id(&r.value)))
            .unwrap_or_default();
        if let Lookup::Found(terms) = self.store.terms(digest) {
            let side = self.reviewed_side(self.side(terms), review);
            return Ok(Resolved {
                side,
                label: "reviewed".to_owned(),
                about: format!("{who}: {}{at}", short_id(digest)),
                json,
            });
        }
        // reviewed before the store kept texts: fetch the reviewed revision
        let Some(rev) = &review.revision else {
            return Err(unavailable(
                self.entry,
                format!("the reviewed terms of `{}` ({digest}) are not in the license store, and the review names no revision to fetch them from", self.entry.name),
                format!("compare with a revision of the source instead: `modellock diff {} --from REVISION`", self.entry.name),
            ));
        };
        let fetched = self.fetched(&rev.value, "reviewed", Some(digest))?;
        json["fetched"] = true.into();
        Ok(Resolved {
            side: self.reviewed_side(fetched.side, review),
            about: format!("{who}: {}{at} (fetched)", short_id(digest)),
            json,
            ..fetched
        })
    }

    fn locked(&self) -> Result<Resolved, Diag> {
        let Some(locked) = self.locked else {
            return Err(unavailable(
                self.entry,
                format!("`{}` is not in models.lock", self.entry.name),
                format!(
                    "run `modellock update {}` first, or compare with a revision: `--to REVISION`",
                    self.entry.name
                ),
            ));
        };
        let digest = &locked.license_digest;
        let license = locked.license.as_deref().unwrap_or("no declared license");
        let about = format!(
            "{} ({license}, at {})",
            short_id(digest),
            short_id(&locked.revision)
        );
        let json = json!({"ref": "locked", "digest": digest, "license": locked.license, "revision": locked.revision, "documents-digest": locked.documents_digest});
        if let Lookup::Found(terms) = self.store.terms(digest) {
            let side = self.side(terms);
            return Ok(Resolved {
                side: self.with_documents(side, locked.documents_digest.as_deref()),
                label: "locked".to_owned(),
                about,
                json,
            });
        }
        if matches!(self.entry.source.value, crate::source::Source::Path(_)) {
            return Err(unavailable(
                self.entry,
                format!(
                    "the locked terms of `{}` are not in the license store",
                    self.entry.name
                ),
                format!("run `modellock update {}` to store them", self.entry.name),
            ));
        }
        let fetched = self.fetched(&locked.revision, "locked", Some(digest))?;
        Ok(Resolved {
            about: format!("{about} (fetched)"),
            json,
            side: self.with_documents(fetched.side, locked.documents_digest.as_deref()),
            ..fetched
        })
    }

    fn digest(&self, reference: &str) -> Result<Resolved, Diag> {
        let hex = reference.strip_prefix("sha256:").unwrap_or(reference);
        let mut found: Vec<String> = Vec::new();
        if hex.len() == 64 {
            found.push(format!("sha256:{hex}"));
        } else if let Ok(dir) = std::fs::read_dir(self.store.root().join("terms")) {
            for e in dir.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some(h) = name
                    .strip_prefix("sha256-")
                    .and_then(|n| n.strip_suffix(".tsv"))
                {
                    if h.starts_with(hex) {
                        found.push(format!("sha256:{h}"));
                    }
                }
            }
        }
        let digest = match found.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(unavailable(
                    self.entry,
                    format!("the license store has no terms with digest {reference}"),
                    "give a digest that `update` locked (see models.lock and the review records), `reviewed`, `locked`, or a revision of the source".to_owned(),
                ))
            }
            many => {
                return Err(unavailable(
                    self.entry,
                    format!("{reference} names {} sets of terms in the store", many.len()),
                    "give more hex digits".to_owned(),
                ))
            }
        };
        match self.store.terms(&digest) {
            Lookup::Found(terms) => Ok(Resolved {
                side: self.side(terms),
                label: short_id(&digest).to_owned(),
                about: digest.clone(),
                json: json!({"ref": reference, "digest": digest}),
            }),
            _ => Err(unavailable(
                self.entry,
                format!("the license store has no valid terms with digest {digest}"),
                "restore `.modellock/` from version control, or compare with a revision of the source".to_owned(),
            )),
        }
    }

    /// Fetches the terms at a revision of the source; with `expect`, they
    /// must have that digest.
    fn fetched(&self, revision: &str, label: &str, expect: Option<&str>) -> Result<Resolved, Diag> {
        let name = &self.entry.name;
        (self.status)(&format!("the license terms of `{name}` at {revision}"));
        let f = self.resolver.terms_at(self.entry, revision).map_err(|f| {
            let span = self.entry.source.span.clone();
            Diag::error(
                f.code,
                format!(
                    "cannot fetch the terms of `{name}` at {revision}: {}",
                    f.message
                ),
            )
            .with_model(name.clone())
            .with_label(self.manifest.file, span, "from this source")
            .with_help(f.help)
        })?;
        let digest = f.terms.digest();
        if let Some(expected) = expect.filter(|e| **e != digest) {
            return Err(unavailable(
                self.entry,
                format!("the source's terms of `{name}` at {revision} are {digest}, not {expected}: the revision's files changed since"),
                "restore `.modellock/` from version control to see the exact terms".to_owned(),
            ));
        }
        let texts = f.texts.clone();
        Ok(Resolved {
            side: Side {
                terms: f.terms,
                texts,
                ..Side::default()
            },
            label: label.to_owned(),
            about: format!(
                "{} ({}, at {})",
                short_id(&digest),
                f.license.as_deref().unwrap_or("no declared license"),
                short_id(&f.revision)
            ),
            json: json!({"ref": revision, "digest": digest, "license": f.license, "revision": f.revision}),
        })
    }
}

/// `sha256:…`, or 8 to 64 lower-case hex digits (a 40-hex commit is a
/// revision).
fn is_digest_ref(r: &str) -> bool {
    let hex = r.strip_prefix("sha256:").unwrap_or(r);
    (8..=64).contains(&hex.len())
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && (r.starts_with("sha256:") || hex.len() != 40)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert!(is_digest_ref(&format!("sha256:{}", "a".repeat(64))));
        assert!(is_digest_ref("d30e4c25"));
        assert!(is_digest_ref("sha256:d30e4c25"));
        assert!(!is_digest_ref("v1.2.0"));
        assert!(!is_digest_ref("main"));
        // a 40-hex commit is a revision, not a digest prefix
        assert!(!is_digest_ref(&"0e".repeat(20)));
    }
}
