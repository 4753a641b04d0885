//! How two versions of a model's license terms differ: the card's license
//! keys, license files added, removed or changed, and for a changed file its
//! text diff and what changed in substance. `diff`, `check` and `update`
//! all describe drift with this.

use super::textdiff::{self, Comparison, Substance, TextDiff};
use super::Terms;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// One side of a comparison: terms and the texts of their files by path
/// (a text may be unavailable).
#[derive(Clone, Debug, Default)]
pub struct Side {
    pub terms: Terms,
    pub texts: BTreeMap<String, Vec<u8>>,
    /// The documents the terms incorporate: (key, digest or
    /// `unavailable`), sorted by key; `None` when this side does not know
    /// them (terms fetched at a revision: documents are not per revision),
    /// and then documents are not compared.
    pub documents: Option<Vec<(String, String)>>,
    /// The documents' texts by key.
    pub document_texts: BTreeMap<String, Vec<u8>>,
}

/// How a document that could not be read is listed on a side.
pub const UNAVAILABLE: &str = "unavailable";

impl Side {
    /// The side of `terms`, with each file's text looked up by its digest.
    pub fn new(terms: Terms, text: &dyn Fn(&str) -> Option<Vec<u8>>) -> Side {
        let texts = terms
            .files
            .iter()
            .filter_map(|(path, digest)| Some((path.clone(), text(digest)?)))
            .collect();
        Side {
            terms,
            texts,
            ..Side::default()
        }
    }

    /// The same side with the documents of `set`, each text looked up by
    /// its digest.
    pub fn with_documents(
        mut self,
        set: &super::documents::DocumentSet,
        text: &dyn Fn(&str) -> Option<Vec<u8>>,
    ) -> Side {
        for (key, hex) in &set.entries {
            let digest = hex.as_ref().map(|h| format!("sha256:{h}"));
            if let Some(t) = digest.as_deref().and_then(text) {
                self.document_texts.insert(key.clone(), t);
            }
            self.documents.get_or_insert_with(Vec::new).push((
                key.clone(),
                digest.unwrap_or_else(|| UNAVAILABLE.to_owned()),
            ));
        }
        self.documents.get_or_insert_with(Vec::new);
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileStatus {
    Added,
    Removed,
    Changed,
    /// Same terms; the bytes differ only in white space and line ends.
    FormatOnly,
    Unchanged,
}

impl FileStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Added => "added",
            FileStatus::Removed => "removed",
            FileStatus::Changed => "changed",
            FileStatus::FormatOnly => "format-only",
            FileStatus::Unchanged => "unchanged",
        }
    }
}

pub struct FileChange {
    pub path: String,
    pub status: FileStatus,
    pub old: Option<String>,
    pub new: Option<String>,
    /// The text diff (a whole text for an added or removed file), when
    /// both texts are at hand.
    pub diff: Option<TextDiff>,
}

pub struct CardChange {
    pub key: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The difference between two versions of a model's terms.
pub struct TermsDiff {
    pub card: Vec<CardChange>,
    pub files: Vec<FileChange>,
    /// The incorporated documents, by key (a URL), compared as files are.
    pub documents: Vec<FileChange>,
}

/// Compares two sides.
pub fn compare(old: &Side, new: &Side) -> TermsDiff {
    let mut card = Vec::new();
    let keys: [(&'static str, &Option<String>, &Option<String>); 3] = [
        ("license", &old.terms.card.license, &new.terms.card.license),
        (
            "license_name",
            &old.terms.card.license_name,
            &new.terms.card.license_name,
        ),
        (
            "license_link",
            &old.terms.card.license_link,
            &new.terms.card.license_link,
        ),
    ];
    for (key, a, b) in keys {
        if a != b {
            card.push(CardChange {
                key,
                old: a.clone(),
                new: b.clone(),
            });
        }
    }
    let files = entries(&old.terms.files, &new.terms.files, &old.texts, &new.texts);
    let documents = match (&old.documents, &new.documents) {
        (Some(a), Some(b)) => entries(a, b, &old.document_texts, &new.document_texts),
        _ => Vec::new(),
    };
    TermsDiff {
        card,
        files,
        documents,
    }
}

/// Compares two lists of (name, digest) with their texts by name.
fn entries(
    old: &[(String, String)],
    new: &[(String, String)],
    old_texts: &BTreeMap<String, Vec<u8>>,
    new_texts: &BTreeMap<String, Vec<u8>>,
) -> Vec<FileChange> {
    let digest = |list: &[(String, String)], name: &str| {
        list.iter().find(|(p, _)| p == name).map(|(_, d)| d.clone())
    };
    let mut paths: Vec<&String> = old.iter().chain(new).map(|(p, _)| p).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .map(|path| {
            let a = digest(old, path);
            let b = digest(new, path);
            let (ta, tb) = (old_texts.get(path), new_texts.get(path));
            let text_diff = |x: Option<&Vec<u8>>, y: Option<&Vec<u8>>| match (x, y) {
                (Some(x), Some(y)) => match textdiff::compare(x, y) {
                    Comparison::Changed(d) => Some(d),
                    _ => None,
                },
                _ => None,
            };
            let empty = Vec::new();
            let (status, diff) = match (&a, &b) {
                (None, _) => (FileStatus::Added, text_diff(Some(&empty), tb)),
                (_, None) => (FileStatus::Removed, text_diff(ta, Some(&empty))),
                (Some(x), Some(y)) if x != y => (FileStatus::Changed, text_diff(ta, tb)),
                _ => match (ta, tb) {
                    (Some(x), Some(y)) if x != y => (FileStatus::FormatOnly, None),
                    _ => (FileStatus::Unchanged, None),
                },
            };
            FileChange {
                path: path.clone(),
                status,
                old: a,
                new: b,
                diff,
            }
        })
        .collect()
}

/// Compares two sets of terms kept in the store, by license digest; `None`
/// when the store lacks either.
pub fn stored(store: &super::Store, old: &str, new: &str) -> Option<TermsDiff> {
    let side = |digest: &str| {
        let terms = store.terms(digest).found()?;
        Some(Side::new(terms, &|d| store.text(d).found()))
    };
    Some(compare(&side(old)?, &side(new)?))
}

fn show(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "(none)".to_owned())
}

impl TermsDiff {
    /// Whether the terms differ (format-only changes do not count).
    pub fn differs(&self) -> bool {
        !self.card.is_empty()
            || self.files.iter().chain(&self.documents).any(|f| {
                matches!(
                    f.status,
                    FileStatus::Added | FileStatus::Removed | FileStatus::Changed
                )
            })
    }

    /// What changed in substance, one line each: `card license: llama3 →
    /// llama3.1`, `LICENSE: '700 million' → '100 million'`, `NOTICE: a new
    /// license file`, `LICENSE: whitespace/format only`.
    pub fn summary(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .card
            .iter()
            .map(|c| format!("card {}: {} → {}", c.key, show(&c.old), show(&c.new)))
            .collect();
        let files = self.files.iter().map(|f| (f, "a new license file"));
        let documents = self
            .documents
            .iter()
            .map(|f| (f, "a new incorporated document"));
        for (f, added) in files.chain(documents) {
            if f.new.as_deref() == Some(UNAVAILABLE) && f.old.as_deref() != Some(UNAVAILABLE) {
                out.push(format!("{}: could not be read", f.path));
                continue;
            }
            match f.status {
                FileStatus::Added => out.push(format!("{}: {added}", f.path)),
                FileStatus::Removed => out.push(format!("{}: removed", f.path)),
                FileStatus::FormatOnly => out.push(format!("{}: whitespace/format only", f.path)),
                FileStatus::Unchanged => {}
                FileStatus::Changed => match &f.diff {
                    Some(d) => {
                        let items = d.substance();
                        if items.is_empty() {
                            out.push(format!("{}: changed", f.path));
                        }
                        for s in items {
                            out.push(format!("{}: {}", f.path, s.describe()));
                        }
                    }
                    None => out.push(format!(
                        "{}: changed (the texts are not at hand to compare)",
                        f.path
                    )),
                },
            }
        }
        out
    }

    /// The comparison as data, for `--format json`.
    pub fn json(&self, context: usize) -> Value {
        // a license file (named by `path`) or a document (by `document`)
        let entry = |name_key: &str, f: &FileChange| {
            let substance: Vec<Substance> =
                f.diff.as_ref().map(TextDiff::substance).unwrap_or_default();
            json!({
                name_key: f.path,
                "status": f.status.as_str(),
                "from-digest": f.old,
                "to-digest": f.new,
                "substance": substance,
                "hunks": f.diff.as_ref().map(|d| d.hunks_json(context)),
            })
        };
        json!({
            "card": self.card.iter().map(|c| json!({"key": c.key, "from": c.old, "to": c.new})).collect::<Vec<_>>(),
            "files": self.files.iter().map(|f| entry("path", f)).collect::<Vec<_>>(),
            "documents": self.documents.iter().map(|f| entry("document", f)).collect::<Vec<_>>(),
            "what-changed": self.summary(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::license::{file_digest, CardLicense};

    fn side(license: &str, files: &[(&str, &[u8])]) -> Side {
        let digests: Vec<(String, String)> = files
            .iter()
            .map(|(p, t)| (p.to_string(), file_digest(t)))
            .collect();
        Side {
            terms: Terms::new(
                CardLicense {
                    license: Some(license.into()),
                    ..Default::default()
                },
                digests.iter().map(|(p, d)| (p.as_str(), d.as_str())),
            ),
            texts: files
                .iter()
                .map(|(p, t)| (p.to_string(), t.to_vec()))
                .collect(),
            ..Side::default()
        }
    }

    #[test]
    fn documents_are_compared_when_both_sides_know_them() {
        use crate::license::documents::{Document, DocumentSet};
        let doc = |text: &[u8]| Document {
            title: "AUP".into(),
            url: Some("https://example.com/aup".into()),
            origin: "kb:llama3.1".into(),
            digest: Some(file_digest(text)),
            unavailable: None,
        };
        let (old_text, new_text) = (
            b"Do not use it for weapons.".to_vec(),
            b"Do not use it for weapons or medicine.".to_vec(),
        );
        let texts = |t: Vec<u8>| move |_: &str| Some(t.clone());
        let a = Side::default().with_documents(
            &DocumentSet::of(&[doc(&old_text)]),
            &texts(old_text.clone()),
        );
        let b = Side::default().with_documents(
            &DocumentSet::of(&[doc(&new_text)]),
            &texts(new_text.clone()),
        );
        let d = compare(&a, &b);
        assert!(d.differs());
        let s = d.summary();
        assert!(s[0].starts_with("https://example.com/aup: "), "{s:?}");
        assert!(s[0].contains("medicine"), "{s:?}");
        // a side that does not know its documents (terms at a revision)
        // compares no documents
        let fetched = Side::default();
        assert!(!compare(&fetched, &b).differs());
        assert!(compare(&fetched, &b).documents.is_empty());
        // a document that could not be read
        let unread = Document {
            digest: None,
            unavailable: Some("HTTP 404".into()),
            ..doc(b"")
        };
        let c = Side::default().with_documents(&DocumentSet::of(&[unread]), &|_| None);
        assert_eq!(
            compare(&a, &c).summary(),
            ["https://example.com/aup: could not be read"]
        );
    }

    #[test]
    fn card_files_and_format_only() {
        let a = side(
            "llama3",
            &[
                ("LICENSE", b"Up to 700 million users."),
                ("NOTICE", b"Old notice."),
            ],
        );
        let b = side(
            "llama3.1",
            &[
                ("LICENSE", b"Up to 100 million users."),
                ("USE_POLICY.md", b"Be nice."),
            ],
        );
        let d = compare(&a, &b);
        assert!(d.differs());
        let s = d.summary();
        assert_eq!(s[0], "card license: llama3 → llama3.1");
        assert!(
            s.iter()
                .any(|l| l.starts_with("LICENSE: ") && l.contains("700 million")),
            "{s:?}"
        );
        assert!(s.contains(&"NOTICE: removed".to_owned()), "{s:?}");
        assert!(
            s.contains(&"USE_POLICY.md: a new license file".to_owned()),
            "{s:?}"
        );

        let c = side("mit", &[("LICENSE", b"Some  terms\r\nhere.")]);
        let e = side("mit", &[("LICENSE", b"Some terms here.\n")]);
        let d = compare(&c, &e);
        assert!(!d.differs());
        assert_eq!(d.summary(), ["LICENSE: whitespace/format only"]);
        assert!(compare(&c, &c).summary().is_empty());
    }
}
