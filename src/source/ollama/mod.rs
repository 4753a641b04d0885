//! Ollama model names, with Ollama's own grammar and defaults:
//! `[scheme://][host/][namespace/]model[:tag][@digest]`, defaulting to
//! `https`, `registry.ollama.ai`, `library` and `latest`.

pub mod registry;
pub mod store;

use super::SourceError;
use std::fmt;

pub const DEFAULT_SCHEME: &str = "https";
pub const DEFAULT_HOST: &str = "registry.ollama.ai";
pub const DEFAULT_NAMESPACE: &str = "library";
pub const DEFAULT_TAG: &str = "latest";

/// A fully qualified Ollama model name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    pub scheme: String,
    pub host: String,
    pub namespace: String,
    pub model: String,
    pub tag: String,
    /// `sha256:<hex>` when the name pins a manifest digest.
    pub digest: Option<String>,
    /// The name as written in the manifest (after `ollama:`).
    raw: String,
}

const HELP: &str =
    "an Ollama name is `[HOST/][NAMESPACE/]MODEL[:TAG]`, e.g. `ollama:llama3.2:3b` or `ollama:hf.co/ORG/REPO:Q4_K_M`";

#[derive(Clone, Copy)]
enum Part {
    Host,
    Namespace,
    Model,
    Tag,
}

impl Part {
    fn what(self) -> &'static str {
        match self {
            Part::Host => "host",
            Part::Namespace => "namespace",
            Part::Model => "model",
            Part::Tag => "tag",
        }
    }

    fn max_len(self) -> usize {
        match self {
            Part::Host => 350,
            _ => 80,
        }
    }

    fn allows(self, c: char) -> bool {
        c.is_ascii_alphanumeric()
            || match self {
                Part::Host => "-_.:".contains(c),
                Part::Namespace => "-_".contains(c),
                Part::Model | Part::Tag => "-_.".contains(c),
            }
    }
}

fn check_part(kind: Part, s: &str) -> Result<(), SourceError> {
    let what = kind.what();
    if s.is_empty() {
        return Err(SourceError::new(format!("the {what} is empty"), HELP));
    }
    if s.len() > kind.max_len() {
        return Err(SourceError::new(
            format!("the {what} is longer than {} characters", kind.max_len()),
            HELP,
        ));
    }
    let first = s.chars().next().unwrap_or('-');
    if !(first.is_ascii_alphanumeric() || first == '_') {
        return Err(SourceError::new(
            format!("the {what} `{s}` must start with a letter, digit or `_`"),
            HELP,
        ));
    }
    if let Some(c) = s.chars().find(|&c| !kind.allows(c)) {
        return Err(SourceError::new(
            format!("the {what} `{s}` cannot contain `{c}`"),
            HELP,
        ));
    }
    Ok(())
}

impl Name {
    pub fn parse(s: &str) -> Result<Name, SourceError> {
        let raw = s.to_owned();
        let (scheme, rest) = match s.split_once("://") {
            Some((scheme @ ("http" | "https"), rest)) => (scheme.to_owned(), rest),
            Some((other, _)) => {
                return Err(SourceError::new(
                    format!("unsupported scheme `{other}://`"),
                    "use `https://` or `http://`, or no scheme",
                ))
            }
            None => (DEFAULT_SCHEME.to_owned(), s),
        };
        let (rest, digest) = match rest.split_once('@') {
            Some((rest, d)) => {
                let hex = d
                    .strip_prefix("sha256:")
                    .or_else(|| d.strip_prefix("sha256-"))
                    .filter(|h| crate::hashing::is_lower_hex(h, 64));
                match hex {
                    Some(hex) => (rest, Some(format!("sha256:{hex}"))),
                    None => {
                        return Err(SourceError::new(
                            format!("`@{d}` is not a manifest digest"),
                            "a digest is `@sha256:` followed by 64 lower-case hex digits",
                        ))
                    }
                }
            }
            None => (rest, None),
        };
        // The tag is split off at the last `:` only when it comes after the
        // last `/`, so `host:port/ns/model` keeps its port.
        let last_slash = rest.rfind('/');
        let (path, tag) = match rest.rfind(':') {
            Some(i) if last_slash.is_none_or(|j| i > j) => (&rest[..i], Some(&rest[i + 1..])),
            _ => (rest, None),
        };
        let mut parts: Vec<&str> = path.split('/').collect();
        if parts.len() > 3 {
            return Err(SourceError::new(
                format!("`{path}` has too many `/`-separated parts"),
                HELP,
            ));
        }
        let model = parts.pop().unwrap_or_default();
        let namespace = parts.pop();
        let host = parts.pop();
        check_part(Part::Model, model)?;
        if let Some(ns) = namespace {
            if host.is_none() && (ns.contains('.') || ns.contains(':')) {
                return Err(SourceError::new(
                    format!("`{ns}` looks like a host, but a host needs a namespace after it"),
                    format!("write `ollama:{ns}/NAMESPACE/{model}` (e.g. `library` for official models)"),
                ));
            }
            check_part(Part::Namespace, ns)?;
        }
        if let Some(h) = host {
            check_part(Part::Host, h)?;
        }
        if let Some(t) = tag {
            check_part(Part::Tag, t)?;
        }
        Ok(Name {
            scheme,
            host: host.unwrap_or(DEFAULT_HOST).to_owned(),
            namespace: namespace.unwrap_or(DEFAULT_NAMESPACE).to_owned(),
            model: model.to_owned(),
            tag: tag.unwrap_or(DEFAULT_TAG).to_owned(),
            digest,
            raw,
        })
    }

    /// The fully qualified form, `host/namespace/model:tag`.
    pub fn qualified(&self) -> String {
        format!(
            "{}/{}/{}:{}",
            self.host, self.namespace, self.model, self.tag
        )
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let n = Name::parse("llama3.2").unwrap();
        assert_eq!(n.qualified(), "registry.ollama.ai/library/llama3.2:latest");
        assert_eq!(n.scheme, "https");
        let n = Name::parse("llama3.2:3b").unwrap();
        assert_eq!(n.tag, "3b");
        let n = Name::parse("jmorgan/mistral").unwrap();
        assert_eq!(n.qualified(), "registry.ollama.ai/jmorgan/mistral:latest");
    }

    #[test]
    fn hosts_ports_and_hf() {
        let n = Name::parse("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M").unwrap();
        assert_eq!(n.host, "hf.co");
        assert_eq!(n.namespace, "bartowski");
        assert_eq!(n.model, "Llama-3.2-1B-Instruct-GGUF");
        assert_eq!(n.tag, "Q4_K_M");
        let n = Name::parse("http://localhost:5000/team/model").unwrap();
        assert_eq!(n.scheme, "http");
        assert_eq!(n.host, "localhost:5000");
        assert_eq!(n.tag, "latest");
        let d = "a".repeat(64);
        let n = Name::parse(&format!("gemma:2b@sha256:{d}")).unwrap();
        assert_eq!(n.digest.as_deref(), Some(format!("sha256:{d}").as_str()));
    }

    #[test]
    fn invalid() {
        for s in [
            "",
            ":tag",
            "ns.x/model",
            "a/b/c/d",
            "model:",
            "-model",
            "model:t@g",
            "ftp://h/m",
            "m@sha256:abc",
        ] {
            assert!(Name::parse(s).is_err(), "{s}");
        }
    }
}
