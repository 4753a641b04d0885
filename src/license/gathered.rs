//! The license texts and terms one run gathers: what the sources served,
//! looked up before anything is downloaded again (this run's, the
//! project's store, the user's copy beside the metadata cache), and written
//! to the store only once every model resolved (all or nothing).

use super::store::{Lookup, Pending};
use super::{Store, Terms};
use std::io;

pub struct Gathered {
    /// The project's store (`.modellock/` beside models.toml).
    pub store: Store,
    /// The user's copy of license texts, beside the metadata cache.
    pub cache: Store,
    pending: Pending,
}

impl Gathered {
    pub fn new(store: Store, cache: Store) -> Gathered {
        Gathered {
            store,
            cache,
            pending: Pending::default(),
        }
    }

    /// Keeps a license text that was downloaded or read.
    pub fn keep_text(&self, bytes: &[u8]) {
        self.pending.add_text(bytes.to_vec());
    }

    /// Keeps a model's terms (the lines its license digest is taken of).
    pub fn keep_terms(&self, terms: &Terms) {
        self.pending.add_terms(terms);
    }

    /// Keeps the documents of a model (the lines its documents digest is
    /// taken of).
    pub fn keep_documents(&self, set: &super::documents::DocumentSet) {
        self.pending.add_documents(set);
    }

    /// Documents by their digest, from this run or the store.
    pub fn documents(&self, digest: &str) -> Option<super::documents::DocumentSet> {
        self.pending
            .documents(digest)
            .or_else(|| self.store.documents(digest).found())
            .or_else(|| self.cache.documents(digest).found())
    }

    /// Whether the text with `digest` is at hand for the store without a
    /// download: gathered already, in the store, or (then taken from) the
    /// user's copy.
    pub fn has_text(&self, digest: &str) -> bool {
        if self.pending.text(digest).is_some()
            || matches!(self.store.text(digest), Lookup::Found(_))
        {
            return true;
        }
        match self.cache.text(digest) {
            Lookup::Found(bytes) => {
                self.pending.add_text(bytes);
                true
            }
            _ => false,
        }
    }

    /// The text of a license file from this run, the store or the user's
    /// copy.
    pub fn text(&self, digest: &str) -> Option<Vec<u8>> {
        self.pending
            .text(digest)
            .or_else(|| self.store.text(digest).found())
            .or_else(|| self.cache.text(digest).found())
    }

    /// Terms by their digest, from this run, the store or the user's copy.
    pub fn terms(&self, digest: &str) -> Option<Terms> {
        self.pending
            .terms(digest)
            .or_else(|| self.store.terms(digest).found())
            .or_else(|| self.cache.terms(digest).found())
    }

    /// Writes what was gathered to the project's store; how many files were
    /// written.
    pub fn write_store(&self) -> io::Result<usize> {
        self.pending.write(&self.store)
    }

    /// Writes what was gathered to the user's copy (best effort).
    pub fn save_to_cache(&self) {
        let _ = self.pending.write(&self.cache);
    }
}
