//! Model sources: `hf:ORG/NAME`, `ollama:NAME[:TAG]`, `path:DIR`.

pub mod hf;
pub mod ollama;
pub mod path;

use std::fmt;

/// A parsed `source = "…"` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Hf(hf::RepoId),
    Ollama(ollama::Name),
    Path(path::PathSource),
}

/// Why a source string was rejected, with a hint on how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceError {
    pub reason: String,
    pub help: String,
}

impl SourceError {
    pub fn new(reason: impl Into<String>, help: impl Into<String>) -> Self {
        SourceError {
            reason: reason.into(),
            help: help.into(),
        }
    }
}

const FORMS: &str =
    "a source is `hf:ORG/NAME`, `ollama:[HOST/][NAMESPACE/]NAME[:TAG]` or `path:DIR`";

impl Source {
    pub fn parse(s: &str) -> Result<Source, SourceError> {
        let Some((scheme, rest)) = s.split_once(':') else {
            return Err(guess_missing_scheme(s));
        };
        match scheme {
            "hf" if hub_url(rest).is_some() => Err(guess_missing_scheme(rest)),
            "hf" => hf::RepoId::parse(rest).map(Source::Hf),
            "ollama" => ollama::Name::parse(rest).map(Source::Ollama),
            "path" => path::PathSource::parse(rest).map(Source::Path),
            "http" | "https" => Err(guess_missing_scheme(s)),
            other => Err(SourceError::new(
                format!("unknown source kind `{other}:`"),
                FORMS,
            )),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Source::Hf(_) => "hf",
            Source::Ollama(_) => "ollama",
            Source::Path(_) => "path",
        }
    }

    /// The revision requested when the manifest names none.
    pub fn default_requested(&self) -> Option<String> {
        match self {
            Source::Hf(_) => Some("main".to_owned()),
            Source::Ollama(n) => Some(n.digest.clone().unwrap_or_else(|| n.tag.clone())),
            Source::Path(_) => None,
        }
    }

    /// A short, user-facing name derived from the source, used by `add` when
    /// no `--name` is given.
    pub fn suggested_name(&self) -> String {
        let raw = match self {
            Source::Hf(r) => r.name().to_owned(),
            Source::Ollama(n) => n.model.clone(),
            Source::Path(p) => p.last_component(),
        };
        sanitize_name(&raw)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Hf(r) => write!(f, "hf:{r}"),
            Source::Ollama(n) => write!(f, "ollama:{n}"),
            Source::Path(p) => write!(f, "path:{}", p.raw),
        }
    }
}

impl Source {
    /// A source as a person types it on the command line: also a Hub URL
    /// (`https://huggingface.co/ORG/NAME[/tree/REV]`, with or without
    /// `hf:`), which gives the repo and the revision it names, if any.
    pub fn parse_user(s: &str) -> Result<(Source, Option<String>), SourceError> {
        match hub_url(s.strip_prefix("hf:").unwrap_or(s)) {
            Some((id, rev)) => {
                let repo = hf::RepoId::parse(&id)?;
                Ok((Source::Hf(repo), rev))
            }
            None => Source::parse(s).map(|src| (src, None)),
        }
    }
}

/// The repo id (and the revision of a `/tree/REV` or `/blob/REV/…` page) of
/// a Hugging Face model URL (the scheme may be left out).
fn hub_url(s: &str) -> Option<(String, Option<String>)> {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s);
    let path = ["huggingface.co/", "www.huggingface.co/", "hf.co/"]
        .iter()
        .find_map(|h| rest.strip_prefix(h))?;
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let (id, more) = match parts.as_slice() {
        // datasets and Spaces are not models
        ["datasets" | "spaces", ..] => return None,
        [org, name, more @ ..] => (format!("{org}/{name}"), more),
        [name] => ((*name).to_owned(), &[][..]),
        [] => return None,
    };
    let rev = match more {
        ["tree" | "blob" | "resolve", rev, ..] => Some((*rev).to_owned()),
        _ => None,
    };
    Some((id, rev))
}

fn guess_missing_scheme(s: &str) -> SourceError {
    if let Some((id, _)) = hub_url(s) {
        return SourceError::new(
            "a Hub URL is not a source",
            format!("write the repo id: `hf:{id}` (`modellock add` takes the URL as it is)"),
        );
    }
    if s.contains('/') && !s.contains(':') {
        return SourceError::new(
            "the source has no kind prefix",
            format!("for a Hugging Face repo write `hf:{s}`; for a local directory `path:{s}`"),
        );
    }
    SourceError::new("the source has no kind prefix", FORMS)
}

/// Turns any string into a valid model name: lower case, runs of other
/// characters replaced by `-`.
pub fn sanitize_name(raw: &str) -> String {
    let mut out = String::new();
    for c in raw.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches(|c| c == '-' || c == '.').to_owned();
    if out.is_empty() {
        "model".to_owned()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_kind() {
        assert_eq!(
            Source::parse("hf:meta-llama/Llama-3.1-8B")
                .unwrap()
                .to_string(),
            "hf:meta-llama/Llama-3.1-8B"
        );
        assert!(matches!(
            Source::parse("ollama:llama3.2"),
            Ok(Source::Ollama(_))
        ));
        assert!(matches!(
            Source::parse("path:./models/mine"),
            Ok(Source::Path(_))
        ));
    }

    #[test]
    fn helpful_errors() {
        let e =
            Source::parse("https://huggingface.co/meta-llama/Llama-3.1-8B/tree/main").unwrap_err();
        assert_eq!(
            e.help,
            "write the repo id: `hf:meta-llama/Llama-3.1-8B` (`modellock add` takes the URL as it is)"
        );
        // `hf:` before a URL: the repo, not `hf:https:/`
        let e = Source::parse("hf:https://huggingface.co/org/name").unwrap_err();
        assert!(
            e.help.starts_with("write the repo id: `hf:org/name`"),
            "{}",
            e.help
        );
        // what a person types: the URL names the repo and the revision
        let (src, rev) =
            Source::parse_user("hf:https://huggingface.co/org/name/tree/v1.0").unwrap();
        assert_eq!(
            (src.to_string(), rev.as_deref()),
            ("hf:org/name".into(), Some("v1.0"))
        );
        let (src, rev) = Source::parse_user("https://hf.co/org/name").unwrap();
        assert_eq!((src.to_string(), rev), ("hf:org/name".into(), None));
        assert!(Source::parse_user("https://huggingface.co/datasets/org/name").is_err());
        let e = Source::parse("meta-llama/Llama-3.1-8B").unwrap_err();
        assert!(e.help.contains("hf:meta-llama/Llama-3.1-8B"));
        assert!(Source::parse("s3:bucket/x")
            .unwrap_err()
            .reason
            .contains("s3:"));
    }

    #[test]
    fn names() {
        assert_eq!(
            Source::parse("hf:meta-llama/Llama-3.1-8B-Instruct")
                .unwrap()
                .suggested_name(),
            "llama-3.1-8b-instruct"
        );
        assert_eq!(
            Source::parse("ollama:llama3.2:3b")
                .unwrap()
                .suggested_name(),
            "llama3.2"
        );
        assert_eq!(
            Source::parse("path:./my model/").unwrap().suggested_name(),
            "my-model"
        );
    }
}

/// Why a model could not be resolved: a diagnostic code, a message and a
/// hint; `update` adds the model and the span it points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub code: crate::diag::Code,
    pub message: String,
    pub help: String,
    /// Point at the entry's `revision` (or `version`) rather than `source`.
    pub at_revision: bool,
}

impl Failure {
    pub fn new(
        code: crate::diag::Code,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Failure {
        Failure {
            code,
            message: message.into(),
            help: help.into(),
            at_revision: false,
        }
    }

    pub fn at_revision(mut self) -> Failure {
        self.at_revision = true;
        self
    }
}

impl Failure {
    /// A network failure; `setting` says where the host came from (e.g.
    /// `HF_ENDPOINT is https://huggingface.co`), for the hint.
    pub fn network(e: crate::net::NetError, setting: &str) -> Failure {
        use crate::diag::Code;
        use crate::net::NetError as N;
        let setting = if setting.is_empty() {
            String::new()
        } else {
            format!("; {setting}")
        };
        let (code, help) = match &e {
            N::Connect { .. } => (
                Code::NetworkConnect,
                format!("check the network, the host name and proxy settings (HTTPS_PROXY, NO_PROXY){setting}"),
            ),
            N::Timeout { .. } => (
                Code::NetworkTimeout,
                format!("the server did not answer in time; try again later{setting}"),
            ),
            N::Tls { .. } => (
                Code::NetworkTls,
                format!("a proxy that intercepts TLS needs its certificate trusted; check the date and the server's certificate{setting}"),
            ),
            N::Io { .. } => (
                Code::NetworkIo,
                "the connection broke repeatedly; try again later".to_owned(),
            ),
            N::TooLarge { .. } => (
                Code::SourceFileTooLarge,
                "the response is larger than modellock reads".to_owned(),
            ),
            N::TooManyRedirects { .. } => (
                Code::SourceUnexpectedResponse,
                "the server redirects in a loop".to_owned(),
            ),
            N::Server { status: 429, .. } => (
                Code::NetworkServer,
                "rate limited: wait and try again (a Hub token raises the limit)".to_owned(),
            ),
            N::Server { .. } => (
                Code::NetworkServer,
                "the server failed repeatedly; try again later".to_owned(),
            ),
        };
        Failure::new(code, e.to_string(), help)
    }
}

impl From<crate::net::NetError> for Failure {
    fn from(e: crate::net::NetError) -> Failure {
        Failure::network(e, "")
    }
}

/// A revision to lock instead of resolving the entry's: `update --precise`,
/// or a version lock that still satisfies its requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin {
    /// The version tag, for an entry with a `version` requirement.
    pub tag: Option<String>,
    pub commit: String,
}

/// The license terms of a source at some revision, without its weights:
/// what `diff --to REV` and `outdated` compare.
#[derive(Clone, Debug)]
pub struct FetchedTerms {
    /// The commit or manifest digest the revision resolved to.
    pub revision: String,
    /// The license as the source declares it.
    pub license: Option<String>,
    pub terms: crate::license::Terms,
    /// Each license file's bytes as served, by path.
    pub texts: std::collections::BTreeMap<String, Vec<u8>>,
}

impl FetchedTerms {
    /// Terms from license files as fetched (path, bytes), with their texts
    /// kept for the store.
    pub fn new(
        r: &Resolver,
        revision: String,
        license: Option<String>,
        card: crate::license::CardLicense,
        texts: Vec<(String, Vec<u8>)>,
    ) -> FetchedTerms {
        let digests: Vec<(String, String)> = texts
            .iter()
            .map(|(p, b)| (p.clone(), crate::license::file_digest(b)))
            .collect();
        let terms =
            crate::license::Terms::new(card, digests.iter().map(|(p, d)| (p.as_str(), d.as_str())));
        for (_, b) in &texts {
            r.keep_text(b);
        }
        r.pending.add_terms(&terms);
        FetchedTerms {
            revision,
            license,
            terms,
            texts: texts.into_iter().collect(),
        }
    }
}

/// Everything resolution needs: the environment, HTTP clients, the cache,
/// and the license texts gathered for the store.
pub struct Resolver {
    pub env: crate::env::Env,
    /// For the Hub: sends the token, to the Hub's own host only.
    pub hf_http: crate::net::Http,
    /// For registries: never sends a token.
    pub plain_http: crate::net::Http,
    pub cache: crate::cache::Cache,
    pub manifest_dir: std::path::PathBuf,
    /// The project's license text store (`.modellock/`).
    pub store: crate::license::Store,
    /// The user's copy of license texts, beside the metadata cache.
    pub text_cache: crate::license::Store,
    /// Texts and terms to write to the store once everything resolved.
    pub pending: crate::license::store::Pending,
    /// The known license texts license files are identified against.
    pub fingerprints: crate::license::identify::Fingerprints,
}

impl Resolver {
    pub fn new(env: crate::env::Env, manifest_path: &std::path::Path) -> Resolver {
        let token = env
            .hf_token
            .as_ref()
            .map(|(t, _)| (t.clone(), env.hf_endpoint.as_str()));
        let manifest_dir = match manifest_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => std::path::PathBuf::from("."),
        };
        Resolver {
            hf_http: crate::net::Http::new(token),
            plain_http: crate::net::Http::new(None),
            cache: crate::cache::Cache::new(env.cache_dir.clone()),
            store: crate::license::Store::beside(manifest_path),
            text_cache: crate::license::Store::at(env.cache_dir.join("v1").join("texts")),
            pending: Default::default(),
            fingerprints: crate::license::identify::Fingerprints::builtin().clone(),
            manifest_dir,
            env,
        }
    }

    /// Keeps a license text that was downloaded or read anyway.
    pub fn keep_text(&self, bytes: &[u8]) {
        self.pending.add_text(bytes.to_vec());
    }

    /// Makes sure the text of the license file with `digest` is at hand for
    /// the store: already there, in the user's copy, or fetched now (and
    /// checked against the digest).
    pub fn ensure_text(
        &self,
        digest: &str,
        path: &str,
        fetch: impl FnOnce() -> Result<Vec<u8>, Failure>,
    ) -> Result<(), Failure> {
        use crate::license::store::Lookup;
        if self.pending.text(digest).is_some()
            || matches!(self.store.text(digest), Lookup::Found(_))
        {
            return Ok(());
        }
        if let Lookup::Found(bytes) = self.text_cache.text(digest) {
            self.pending.add_text(bytes);
            return Ok(());
        }
        let bytes = fetch()?;
        if crate::license::file_digest(&bytes) != digest {
            return Err(Failure::new(
                crate::diag::Code::SourceIntegrity,
                format!("the text of `{path}` downloaded again does not have the digest {digest} it had"),
                "the source served other content for an immutable id; run update again",
            ));
        }
        self.pending.add_text(bytes);
        Ok(())
    }

    /// The text of a license file from what this run gathered, the
    /// project's store or the user's copy.
    pub fn text(&self, digest: &str) -> Option<Vec<u8>> {
        self.pending
            .text(digest)
            .or_else(|| self.store.text(digest).found())
            .or_else(|| self.text_cache.text(digest).found())
    }

    /// Writes the gathered texts to the user's copy (best effort).
    pub fn save_texts_to_cache(&self) {
        let _ = self.pending.write(&self.text_cache);
    }

    /// Resolves one manifest entry to its lock entry: the source's facts,
    /// each license file identified, and the stricter license locked when
    /// a LICENSE file contradicts the declared one.
    pub fn lock_entry(
        &self,
        entry: &crate::manifest::ModelEntry,
    ) -> Result<crate::lock::LockedModel, Failure> {
        self.lock_entry_at(entry, None)
    }

    /// [`Resolver::lock_entry`] at a given revision of an `hf:` source.
    pub fn lock_entry_at(
        &self,
        entry: &crate::manifest::ModelEntry,
        pin: Option<&Pin>,
    ) -> Result<crate::lock::LockedModel, Failure> {
        let mut locked = self.resolve_entry(entry, pin)?;
        self.identify(&mut locked);
        Ok(locked)
    }

    /// Identifies every license file of a lock entry; when a LICENSE file is
    /// another license than the declared one, the lock records the stricter
    /// of the two (`check` reports the disagreement).
    pub fn identify(&self, locked: &mut crate::lock::LockedModel) {
        let fp = &self.fingerprints;
        for lf in &mut locked.license_files {
            if let Some(bytes) = self.text(&lf.digest) {
                let found = fp.identify(&bytes);
                lf.confidence = (found.id != "unknown")
                    .then(|| (found.confidence * 100.0).round().clamp(0.0, 100.0) as u8);
                lf.id = Some(found.id);
            }
        }
        locked.license =
            crate::license::scope::bound_license(locked.license.as_deref(), &locked.license_files);
    }

    fn resolve_entry(
        &self,
        entry: &crate::manifest::ModelEntry,
        pin: Option<&Pin>,
    ) -> Result<crate::lock::LockedModel, Failure> {
        let locked = match &entry.source.value {
            Source::Hf(repo) => hf::lock::lock_entry(self, entry, repo, pin)?,
            Source::Ollama(name) => ollama::registry::lock_entry(self, entry, name)?,
            Source::Path(p) => {
                let (locked, texts) = path::lock_entry(entry, p, &self.manifest_dir)
                    .map_err(|e| path_failure(p, e))?;
                for t in &texts {
                    self.keep_text(t);
                }
                self.pending.add_terms(&crate::license::Terms::new(
                    Default::default(),
                    locked
                        .license_files
                        .iter()
                        .map(|l| (l.path.as_str(), l.digest.as_str())),
                ));
                locked
            }
        };
        Ok(locked)
    }

    /// The license terms of an entry's source at another revision (a
    /// branch, tag or commit; an Ollama tag or manifest digest), fetching
    /// only license files and the card.
    pub fn terms_at(
        &self,
        entry: &crate::manifest::ModelEntry,
        revision: &str,
    ) -> Result<FetchedTerms, Failure> {
        match &entry.source.value {
            Source::Hf(repo) => hf::lock::terms_at(self, repo, revision),
            Source::Ollama(name) => ollama::registry::terms_at(self, entry, name, revision),
            Source::Path(_) => Err(Failure::new(
                crate::diag::Code::SourceRevisionNotFound,
                format!(
                    "`{}` is a local directory, which has no revisions",
                    entry.source_raw
                ),
                "compare with `locked`, `reviewed` or a license digest instead",
            )),
        }
    }
}

pub use crate::license::scope::is_license_text;

fn path_failure(p: &path::PathSource, e: path::SnapshotError) -> Failure {
    let code = if e.error.kind() == std::io::ErrorKind::NotFound {
        crate::diag::Code::SourceNotFound
    } else {
        crate::diag::Code::SourceIo
    };
    Failure::new(
        code,
        format!("cannot lock `{}`: {e}", p.raw),
        "the directory is resolved relative to models.toml",
    )
}
