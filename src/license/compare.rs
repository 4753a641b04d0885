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
}

impl Side {
    /// The side of `terms`, with each file's text looked up by its digest.
    pub fn new(terms: Terms, text: &dyn Fn(&str) -> Option<Vec<u8>>) -> Side {
        let texts = terms
            .files
            .iter()
            .filter_map(|(path, digest)| Some((path.clone(), text(digest)?)))
            .collect();
        Side { terms, texts }
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
    let mut paths: Vec<&String> = old
        .terms
        .files
        .iter()
        .chain(&new.terms.files)
        .map(|(p, _)| p)
        .collect();
    paths.sort();
    paths.dedup();
    let files = paths
        .into_iter()
        .map(|path| {
            let a = old.terms.file(path).map(str::to_owned);
            let b = new.terms.file(path).map(str::to_owned);
            let (ta, tb) = (old.texts.get(path), new.texts.get(path));
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
        .collect();
    TermsDiff { card, files }
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
            || self.files.iter().any(|f| {
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
        for f in &self.files {
            match f.status {
                FileStatus::Added => out.push(format!("{}: a new license file", f.path)),
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
        json!({
            "card": self.card.iter().map(|c| json!({"key": c.key, "from": c.old, "to": c.new})).collect::<Vec<_>>(),
            "files": self.files.iter().map(|f| {
                let substance: Vec<Substance> = f.diff.as_ref().map(TextDiff::substance).unwrap_or_default();
                json!({
                    "path": f.path,
                    "status": f.status.as_str(),
                    "from-digest": f.old,
                    "to-digest": f.new,
                    "substance": substance,
                    "hunks": f.diff.as_ref().map(|d| d.hunks_json(context)),
                })
            }).collect::<Vec<_>>(),
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
        }
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
