//! What every adapter reads with: the environment, the HTTP clients (the
//! token goes to the Hub's host only), the metadata cache, the project's
//! directory and the license texts gathered so far.

use super::snapshot::FetchedTerms;
use super::Failure;
use crate::diag::Code;
use crate::license::gathered::Gathered;
use crate::license::{file_digest, CardLicense, Terms};
use std::path::PathBuf;

pub struct Context {
    pub env: crate::env::Env,
    /// For the Hub: sends the token, to the Hub's own host only.
    pub hf_http: crate::net::Http,
    /// For registries: never sends a token.
    pub plain_http: crate::net::Http,
    pub cache: crate::cache::Cache,
    /// The directory `path:` sources are relative to (the manifest's).
    pub root: PathBuf,
    /// Paths, relative to `root`, that are the project's own and never part
    /// of a model (`path:.`): the manifest, the lock, the license store.
    pub own_files: Vec<String>,
    /// License texts and terms read so far.
    pub texts: Gathered,
}

impl Context {
    pub fn new(
        env: crate::env::Env,
        root: PathBuf,
        own_files: Vec<String>,
        texts: Gathered,
    ) -> Context {
        let token = env
            .hf_token
            .as_ref()
            .map(|(t, _)| (t.clone(), env.hf_endpoint.as_str()));
        Context {
            hf_http: crate::net::Http::new(token),
            plain_http: crate::net::Http::new(None),
            cache: crate::cache::Cache::new(env.cache_dir.clone()),
            root,
            own_files,
            texts,
            env,
        }
    }

    /// Makes sure the text of the license file with `digest` is at hand:
    /// already gathered, in the store or the user's copy, or fetched now
    /// (and checked against the digest).
    pub fn ensure_text(
        &self,
        digest: &str,
        path: &str,
        fetch: impl FnOnce() -> Result<Vec<u8>, Failure>,
    ) -> Result<(), Failure> {
        if self.texts.has_text(digest) {
            return Ok(());
        }
        let bytes = fetch()?;
        if file_digest(&bytes) != digest {
            return Err(Failure::new(
                Code::SourceIntegrity,
                format!("the text of `{path}` downloaded again does not have the digest {digest} it had"),
                "the source served other content for an immutable id; run update again",
            ));
        }
        self.texts.keep_text(&bytes);
        Ok(())
    }

    /// Terms from license files as fetched (path, bytes), with their texts
    /// and the terms kept.
    pub fn fetched_terms(
        &self,
        revision: String,
        license: Option<String>,
        card: CardLicense,
        texts: Vec<(String, Vec<u8>)>,
    ) -> FetchedTerms {
        let digests: Vec<(String, String)> = texts
            .iter()
            .map(|(p, b)| (p.clone(), file_digest(b)))
            .collect();
        let terms = Terms::new(card, digests.iter().map(|(p, d)| (p.as_str(), d.as_str())));
        for (_, b) in &texts {
            self.texts.keep_text(b);
        }
        self.texts.keep_terms(&terms);
        FetchedTerms {
            revision,
            license,
            terms,
            texts: texts.into_iter().collect(),
        }
    }
}
