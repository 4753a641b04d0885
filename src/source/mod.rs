//! Model sources: `hf:ORG/NAME`, `ollama:NAME[:TAG]`, `path:DIR`.

pub mod candidates;
pub mod context;
pub mod document;
pub mod download;
mod failure;
pub mod format;
pub mod gguf;
pub mod hf;
pub mod ollama;
pub mod path;
pub mod rules;
pub mod snapshot;

pub use context::Context;
pub use failure::Failure;
pub use snapshot::{FetchedTerms, Pin, Request, Snapshot};

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

    /// Whether the source is a Hugging Face Hub repo (resolving it needs
    /// the Hub: HF_HUB_OFFLINE stops it; `--precise` takes it).
    pub fn is_hub(&self) -> bool {
        matches!(self, Source::Hf(_))
    }

    /// Whether the source has a model card that declares the license (a Hub
    /// repo); otherwise the manifest declares it.
    pub fn has_card(&self) -> bool {
        matches!(self, Source::Hf(_))
    }

    /// The model at a revision: resolves what `req` asks for and lists its
    /// files and license terms (the one entry point of every adapter).
    pub fn snapshot(&self, cx: &Context, req: &Request<'_>) -> Result<Snapshot, Failure> {
        match self {
            Source::Hf(repo) => hf::snapshot::snapshot(cx, repo, req),
            Source::Ollama(name) => ollama::registry::snapshot(cx, name, req),
            Source::Path(p) => path::lock_snapshot(cx, p, req),
        }
    }

    /// The license terms at another revision (a branch, tag or commit; an
    /// Ollama tag or manifest digest), fetching only license files and the
    /// card.
    pub fn terms_at(&self, cx: &Context, revision: &str) -> Result<FetchedTerms, Failure> {
        match self {
            Source::Hf(repo) => hf::snapshot::terms_at(cx, repo, revision),
            Source::Ollama(name) => ollama::registry::terms_at(cx, name, revision),
            Source::Path(p) => Err(Failure::new(
                crate::diag::Code::SourceRevisionNotFound,
                format!(
                    "`path:{}` is a local directory, which has no revisions",
                    p.raw
                ),
                "compare with `locked`, `reviewed` or a license digest instead",
            )),
        }
    }

    /// The model's name in a bill of materials: the repo id, the Ollama
    /// name, or the source as written.
    pub fn component_name(&self) -> String {
        match self {
            Source::Hf(r) => r.as_str().to_owned(),
            Source::Ollama(n) => n.to_string(),
            Source::Path(_) => self.to_string(),
        }
    }

    /// Its package URL at a revision, where the purl spec has a type
    /// (`pkg:huggingface/ORG/NAME@REV`).
    pub fn purl(&self, revision: Option<&str>) -> Option<String> {
        match self {
            Source::Hf(r) => Some(hf::purl(r.as_str(), revision)),
            _ => None,
        }
    }

    /// Its page on the web, where it has one.
    pub fn web_url(&self) -> Option<String> {
        match self {
            Source::Hf(r) => Some(format!("https://huggingface.co/{}", r.as_str())),
            _ => None,
        }
    }

    /// Whether two sources name the same model, whatever revision or tag
    /// (letter case ignored, as the Hub and registries ignore it).
    pub fn same_model(&self, other: &Source) -> bool {
        match (self, other) {
            (Source::Hf(a), Source::Hf(b)) => a.as_str().eq_ignore_ascii_case(b.as_str()),
            (Source::Ollama(a), Source::Ollama(b)) => {
                a.host.eq_ignore_ascii_case(&b.host)
                    && a.namespace.eq_ignore_ascii_case(&b.namespace)
                    && a.model.eq_ignore_ascii_case(&b.model)
            }
            _ => false,
        }
    }

    /// What an entry follows when it is something that moves — a branch
    /// of a Hub repo, the `latest` tag of an Ollama model — given the
    /// entry's `revision` and whether it has a `version` requirement;
    /// `None` when it is pinned.
    pub fn moving(&self, revision: Option<&str>, has_version: bool) -> Option<String> {
        match self {
            Source::Hf(_) if !has_version => {
                let rev = revision.unwrap_or("main");
                (!hf::is_pinned(rev)).then(|| rev.to_owned())
            }
            Source::Ollama(n) if revision.is_none() && n.digest.is_none() => {
                (n.tag == ollama::DEFAULT_TAG).then(|| format!("tag `{}`", n.tag))
            }
            _ => None,
        }
    }

    /// How to get a model's locked files (at `revision`) where `verify`
    /// looks for them.
    pub fn fetch_hint(&self, revision: &str, name: &str) -> String {
        match self {
            Source::Hf(_) | Source::Ollama(_) => format!("run `modellock fetch {name}` to download exactly the locked files (at {})", crate::hashing::short_id(revision)),
            Source::Path(p) => format!("restore `{}` from where it came, or run `modellock update {name}` if it changed on purpose", p.raw),
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
