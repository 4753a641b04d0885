//! The license text store beside the manifest, committed with the lock:
//!
//! - `.modellock/licenses/sha256-<hex>.txt`: the text of a license file
//!   whose normalised digest (DESIGN.md) is `sha256:<hex>`;
//! - `.modellock/terms/sha256-<hex>.tsv`: the exact lines a model's
//!   `license-digest` `sha256:<hex>` is the sha256 of (card keys and file
//!   digests, see [`Terms`]);
//! - `.modellock/documents/sha256-<hex>.tsv`: the lines a model's
//!   `documents-digest` is the sha256 of (each incorporated document's
//!   key and text digest, see [`DocumentSet`]); the texts of the documents
//!   are kept with the license texts.
//!
//! Every entry is named by its content, so it can be verified and is never
//! rewritten with other content. It lets `diff` and `check` work offline and
//! keeps the reviewed text after upstream rewrites or deletes a revision.
//! The same layout serves as a per-user cache of texts under the metadata
//! cache directory.

use super::documents::DocumentSet;
use super::{file_digest, Terms};
use crate::hashing::{is_lower_hex, sha256_hex};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The store's directory name, beside models.toml.
pub const DIR: &str = ".modellock";

/// A store rooted at a directory (`.modellock/` of a project).
#[derive(Clone, Debug)]
pub struct Store {
    root: PathBuf,
}

/// What looking up an entry found.
#[derive(Debug)]
pub enum Lookup<T> {
    Found(T),
    Missing,
    /// The file is there, but its content is not what its name says.
    Mismatch,
    Unreadable(io::Error),
}

impl<T> Lookup<T> {
    pub fn found(self) -> Option<T> {
        match self {
            Lookup::Found(t) => Some(t),
            _ => None,
        }
    }

    /// A lookup that found nothing usable, as a lookup of another type
    /// (`Found` becomes `Mismatch`: it was not what was asked for).
    fn outcome_as<U>(self) -> Lookup<U> {
        match self {
            Lookup::Found(_) | Lookup::Mismatch => Lookup::Mismatch,
            Lookup::Missing => Lookup::Missing,
            Lookup::Unreadable(e) => Lookup::Unreadable(e),
        }
    }

    /// The outcome alone, without what was found.
    pub fn outcome(self) -> Lookup<()> {
        match self {
            Lookup::Found(_) => Lookup::Found(()),
            Lookup::Missing => Lookup::Missing,
            Lookup::Mismatch => Lookup::Mismatch,
            Lookup::Unreadable(e) => Lookup::Unreadable(e),
        }
    }
}

fn hex_of(digest: &str) -> Option<&str> {
    digest
        .strip_prefix("sha256:")
        .filter(|h| is_lower_hex(h, 64))
}

impl Store {
    /// The project's store: `.modellock/` beside the manifest.
    pub fn beside(manifest_path: &Path) -> Store {
        let dir = match manifest_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        Store {
            root: dir.join(DIR),
        }
    }

    pub fn at(root: PathBuf) -> Store {
        Store { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the text of the license file with this digest is kept.
    pub fn text_path(&self, digest: &str) -> Option<PathBuf> {
        let hex = hex_of(digest)?;
        Some(self.root.join("licenses").join(format!("sha256-{hex}.txt")))
    }

    /// Where the terms with this model license digest are kept.
    pub fn terms_path(&self, digest: &str) -> Option<PathBuf> {
        let hex = hex_of(digest)?;
        Some(self.root.join("terms").join(format!("sha256-{hex}.tsv")))
    }

    /// Where the documents with this documents digest are listed.
    pub fn documents_path(&self, digest: &str) -> Option<PathBuf> {
        let hex = hex_of(digest)?;
        Some(
            self.root
                .join("documents")
                .join(format!("sha256-{hex}.tsv")),
        )
    }

    /// The documents behind a documents digest, verified against it.
    pub fn documents(&self, digest: &str) -> Lookup<DocumentSet> {
        match Self::read(self.documents_path(digest)) {
            Lookup::Found(b) => {
                let parsed = std::str::from_utf8(&b).ok().and_then(DocumentSet::parse);
                match parsed {
                    Some(d) if format!("sha256:{}", sha256_hex(&b)) == digest => Lookup::Found(d),
                    _ => Lookup::Mismatch,
                }
            }
            other => other.outcome_as(),
        }
    }

    /// Stores the lines of a documents digest.
    pub fn put_documents(&self, set: &DocumentSet) -> io::Result<bool> {
        let digest = set.digest();
        if matches!(self.documents(&digest), Lookup::Found(_)) {
            return Ok(false);
        }
        let path = self
            .documents_path(&digest)
            .ok_or_else(|| io::Error::other("malformed digest"))?;
        write_entry(&path, set.lines().as_bytes())?;
        Ok(true)
    }

    fn read(path: Option<PathBuf>) -> Lookup<Vec<u8>> {
        let Some(path) = path else {
            return Lookup::Missing;
        };
        match std::fs::read(path) {
            Ok(b) => Lookup::Found(b),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Lookup::Missing,
            Err(e) => Lookup::Unreadable(e),
        }
    }

    /// The text of a license file, verified against its digest.
    pub fn text(&self, digest: &str) -> Lookup<Vec<u8>> {
        match Self::read(self.text_path(digest)) {
            Lookup::Found(b) if file_digest(&b) == digest => Lookup::Found(b),
            Lookup::Found(_) => Lookup::Mismatch,
            other => other,
        }
    }

    /// The terms behind a model license digest, verified against it.
    /// The license the card declared in the terms behind a license digest
    /// (its `license_name` for `license: other`), when the store has them.
    pub fn declared_license(&self, digest: &str) -> Option<String> {
        let t = self.terms(digest).found()?;
        match (t.card.license, t.card.license_name) {
            (Some(l), Some(name)) if l.eq_ignore_ascii_case("other") => Some(name),
            (l, _) => l,
        }
    }

    pub fn terms(&self, digest: &str) -> Lookup<Terms> {
        match Self::read(self.terms_path(digest)) {
            Lookup::Found(b) => {
                let parsed = std::str::from_utf8(&b).ok().and_then(Terms::parse);
                match parsed {
                    Some(t) if format!("sha256:{}", sha256_hex(&b)) == digest => Lookup::Found(t),
                    _ => Lookup::Mismatch,
                }
            }
            Lookup::Missing => Lookup::Missing,
            Lookup::Mismatch => Lookup::Mismatch,
            Lookup::Unreadable(e) => Lookup::Unreadable(e),
        }
    }

    /// Stores a license text under its digest; a valid entry already there
    /// is kept. Returns whether a file was written.
    pub fn put_text(&self, bytes: &[u8]) -> io::Result<bool> {
        let digest = file_digest(bytes);
        if matches!(self.text(&digest), Lookup::Found(_)) {
            return Ok(false);
        }
        let path = self
            .text_path(&digest)
            .ok_or_else(|| io::Error::other("malformed digest"))?;
        write_entry(&path, bytes)?;
        Ok(true)
    }

    /// Stores the lines of a model's terms under its license digest.
    pub fn put_terms(&self, terms: &Terms) -> io::Result<bool> {
        let digest = terms.digest();
        if matches!(self.terms(&digest), Lookup::Found(_)) {
            return Ok(false);
        }
        let path = self
            .terms_path(&digest)
            .ok_or_else(|| io::Error::other("malformed digest"))?;
        write_entry(&path, terms.lines().as_bytes())?;
        Ok(true)
    }

    /// Removes the temporary files an interrupted write left in the store
    /// (older than `before`).
    pub fn sweep_temps(&self, before: std::time::SystemTime) {
        for dir in ["licenses", "terms", "documents"] {
            crate::fsutil::sweep_temps(&self.root.join(dir), None, before);
        }
    }

    /// A path for messages: relative to the manifest's directory when the
    /// store is beside it (`.modellock/licenses/sha256-….txt`).
    pub fn display(&self, path: &Path) -> String {
        let base = self.root.parent().unwrap_or(Path::new(""));
        path.strip_prefix(base)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

fn write_entry(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        // the store and its folders are never links (a linked `.modellock/`
        // would receive the store's writes wherever it points)
        if let Some(root) = parent.parent() {
            crate::fsutil::refuse_link(root)?;
        }
        crate::fsutil::refuse_link(parent)?;
        std::fs::create_dir_all(parent)?;
    }
    crate::fsutil::write_atomic(path, bytes)
}

/// Texts and terms gathered while resolving; `update` writes them to the
/// store only once every model resolved (all or nothing).
#[derive(Debug, Default)]
pub struct Pending {
    texts: Mutex<BTreeMap<String, Vec<u8>>>,
    terms: Mutex<BTreeMap<String, Terms>>,
    documents: Mutex<BTreeMap<String, DocumentSet>>,
}

impl Pending {
    /// Keeps a license text (named by its own digest).
    pub fn add_text(&self, bytes: Vec<u8>) -> String {
        let digest = file_digest(&bytes);
        lock(&self.texts).entry(digest.clone()).or_insert(bytes);
        digest
    }

    pub fn text(&self, digest: &str) -> Option<Vec<u8>> {
        lock(&self.texts).get(digest).cloned()
    }

    pub fn add_terms(&self, terms: &Terms) {
        lock(&self.terms).insert(terms.digest(), terms.clone());
    }

    pub fn terms(&self, digest: &str) -> Option<Terms> {
        lock(&self.terms).get(digest).cloned()
    }

    pub fn add_documents(&self, set: &DocumentSet) {
        lock(&self.documents).insert(set.digest(), set.clone());
    }

    pub fn documents(&self, digest: &str) -> Option<DocumentSet> {
        lock(&self.documents).get(digest).cloned()
    }

    /// Writes everything kept into `store`; returns how many files were
    /// written.
    pub fn write(&self, store: &Store) -> io::Result<usize> {
        let mut n = 0;
        for set in lock(&self.documents).values() {
            n += usize::from(store.put_documents(set)?);
        }
        for bytes in lock(&self.texts).values() {
            n += usize::from(store.put_text(bytes)?);
        }
        for terms in lock(&self.terms).values() {
            n += usize::from(store.put_terms(terms)?);
        }
        Ok(n)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::license::CardLicense;

    #[test]
    fn entries_are_named_by_content_and_verified() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::beside(&dir.path().join("models.toml"));
        let text = b"Some terms\r\nhere.\n";
        let digest = file_digest(text);
        assert!(matches!(store.text(&digest), Lookup::Missing));
        assert!(store.put_text(text).unwrap());
        assert!(!store.put_text(b"Some terms here.").unwrap(), "same terms");
        assert_eq!(store.text(&digest).found().unwrap(), text);
        let path = store.text_path(&digest).unwrap();
        assert_eq!(
            store.display(&path),
            format!(".modellock/licenses/sha256-{}.txt", &digest[7..])
        );
        std::fs::write(&path, "other terms").unwrap();
        assert!(matches!(store.text(&digest), Lookup::Mismatch));
        assert!(store.put_text(text).unwrap(), "a damaged entry is replaced");

        let terms = Terms::new(
            CardLicense {
                license: Some("mit".into()),
                ..Default::default()
            },
            [("LICENSE", digest.as_str())],
        );
        store.put_terms(&terms).unwrap();
        assert_eq!(store.terms(&terms.digest()).found(), Some(terms.clone()));
        std::fs::write(
            store.terms_path(&terms.digest()).unwrap(),
            "card:license\tapache-2.0\n",
        )
        .unwrap();
        assert!(matches!(store.terms(&terms.digest()), Lookup::Mismatch));
        assert!(matches!(store.text("sha256:zz"), Lookup::Missing));
    }
}

/// What the store lacks, or holds damaged, for one locked model.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Gaps {
    /// Store paths (relative, for messages) of missing entries, with what
    /// they hold (`LICENSE`, `terms`).
    pub missing: Vec<(String, String)>,
    pub mismatched: Vec<(String, String)>,
    pub unreadable: Vec<(String, String)>,
    /// How the lock disagrees with an intact terms entry its digest names.
    pub lock_disagrees: Vec<String>,
}

impl Gaps {
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty()
            && self.mismatched.is_empty()
            && self.unreadable.is_empty()
            && self.lock_disagrees.is_empty()
    }
}

/// The texts of `digests` that the store holds intact, verified on all
/// cores: each maps to `true` (what [`gaps`] takes as already checked).
pub fn verified_texts<'a>(
    store: &Store,
    digests: impl Iterator<Item = &'a str>,
) -> std::collections::HashMap<String, bool> {
    use rayon::prelude::*;
    let unique: std::collections::BTreeSet<&str> = digests.collect();
    unique
        .into_par_iter()
        .filter(|d| matches!(store.text(d).outcome(), Lookup::Found(())))
        .map(|d| (d.to_owned(), true))
        .collect()
}

/// What a locked model says the store must hold: the terms behind its
/// license digest, the text of each license file, and the terms of each
/// ancestor (its repo and digest).
pub struct Held<'a> {
    pub license_digest: &'a str,
    pub license_files: &'a [super::LicenseFile],
    /// The documents digest and the documents, when the lock has them.
    pub documents_digest: Option<&'a str>,
    pub documents: &'a [super::documents::Document],
    pub ancestors: Vec<(&'a str, &'a str)>,
}

/// Checks that the store holds the terms behind a locked license digest and
/// the text of every locked license file, each matching its name. `seen`
/// remembers entries already checked (models share texts).
pub fn gaps(
    store: &Store,
    locked: &Held<'_>,
    seen: &mut std::collections::HashMap<String, bool>,
) -> Gaps {
    let mut gaps = Gaps::default();
    let mut note = |what: String, path: Option<PathBuf>, lookup: Lookup<()>| {
        let shown = path.map(|p| store.display(&p)).unwrap_or_default();
        match lookup {
            Lookup::Found(()) => {}
            Lookup::Missing => gaps.missing.push((shown, what)),
            Lookup::Mismatch => gaps.mismatched.push((shown, what)),
            Lookup::Unreadable(e) => gaps.unreadable.push((format!("{shown}: {e}"), what)),
        }
    };
    let digest = locked.license_digest;
    let lookup = match store.terms(digest) {
        Lookup::Found(t) => {
            // an intact entry that disagrees with the lock: the lock is wrong
            for (path, d) in &t.files {
                match locked.license_files.iter().find(|l| &l.path == path) {
                    None => gaps.lock_disagrees.push(format!(
                        "the terms name `{path}`, which the lock does not list"
                    )),
                    Some(l) if &l.digest != d => gaps.lock_disagrees.push(format!(
                        "the lock gives `{path}` the digest {}, the terms {}",
                        l.digest, d
                    )),
                    Some(_) => {}
                }
            }
            for l in locked.license_files {
                if t.file(&l.path).is_none() {
                    gaps.lock_disagrees.push(format!(
                        "the lock lists `{}`, which the terms do not name",
                        l.path
                    ));
                }
            }
            Lookup::Found(())
        }
        Lookup::Mismatch => Lookup::Mismatch,
        Lookup::Missing => Lookup::Missing,
        Lookup::Unreadable(e) => Lookup::Unreadable(e),
    };
    note("terms".to_owned(), store.terms_path(digest), lookup);
    for &(model, d) in &locked.ancestors {
        if seen.get(d) == Some(&true) {
            continue;
        }
        let lookup = store.terms(d).outcome();
        seen.insert(d.to_owned(), matches!(lookup, Lookup::Found(())));
        note(format!("terms of {model}"), store.terms_path(d), lookup);
    }
    if let Some(d) = locked
        .documents_digest
        .filter(|_| !locked.documents.is_empty())
    {
        let lookup = match store.documents(d) {
            Lookup::Found(set) => {
                if set != DocumentSet::of(locked.documents) {
                    gaps.lock_disagrees.push(
                        "the lock's documents are not the ones its documents digest names"
                            .to_owned(),
                    );
                }
                Lookup::Found(())
            }
            other => other.outcome(),
        };
        note("documents".to_owned(), store.documents_path(d), lookup);
    }
    for doc in locked.documents {
        let Some(digest) = &doc.digest else { continue };
        if seen.get(digest) == Some(&true) {
            continue;
        }
        let lookup = store.text(digest).outcome();
        seen.insert(digest.clone(), matches!(lookup, Lookup::Found(())));
        note(doc.title.clone(), store.text_path(digest), lookup);
    }
    for lf in locked.license_files {
        let key = lf.digest.clone();
        if seen.get(&key) == Some(&true) {
            continue;
        }
        let lookup = store.text(&lf.digest).outcome();
        seen.insert(key, matches!(lookup, Lookup::Found(())));
        note(lf.path.clone(), store.text_path(&lf.digest), lookup);
    }
    gaps
}

impl Store {
    /// Removes the entries named by `candidates` (terms, license texts,
    /// documents lists and document texts, by digest) that neither `keep`
    /// names nor a kept terms or documents list names. Returns how many
    /// files were removed; a file that cannot be removed is left.
    pub fn prune(
        &self,
        candidates: &std::collections::BTreeSet<String>,
        keep: &std::collections::HashSet<String>,
    ) -> usize {
        let mut kept_texts: std::collections::HashSet<String> = Default::default();
        for d in keep {
            if let Lookup::Found(t) = self.terms(d) {
                kept_texts.extend(t.files.iter().map(|(_, d)| d.clone()));
            }
            if let Lookup::Found(set) = self.documents(d) {
                kept_texts.extend(
                    set.entries
                        .iter()
                        .filter_map(|(_, h)| h.as_ref().map(|h| format!("sha256:{h}"))),
                );
            }
        }
        let mut removed = 0;
        for d in candidates {
            if keep.contains(d) || kept_texts.contains(d) {
                continue;
            }
            let paths = [
                self.terms_path(d),
                self.text_path(d),
                self.documents_path(d),
            ];
            removed += paths
                .into_iter()
                .flatten()
                .filter(|p| std::fs::remove_file(p).is_ok())
                .count();
        }
        removed
    }
}
