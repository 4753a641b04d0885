//! Where models may come from (cargo-deny's `bans` and `sources`):
//! `[policy] ban` patterns no source may match, and `[policy] allow-orgs`,
//! the only organisations sources may come from. Both read models.toml
//! only, so they hold before anything is locked, and `audit` applies them
//! to what it finds.

use crate::diag::{Code, Diag};
use crate::manifest::{Manifest, ModelEntry, Policy, Spanned};
use crate::source::Source;

/// What a source is matched as: its organisation and `org/name`, in lower
/// case — a Hub repo's namespace (a one-part legacy id is its own), an
/// Ollama model's namespace (`library` for the library; with its host
/// when not Ollama's registry). `None` for a local directory.
pub fn identity(source: &Source) -> Option<(String, String)> {
    match source {
        Source::Hf(repo) => {
            let id = repo.as_str().to_ascii_lowercase();
            let org = id
                .split_once('/')
                .map_or(id.as_str(), |(o, _)| o)
                .to_owned();
            Some((org, id))
        }
        Source::Ollama(n) => {
            // a Hub repo served by Ollama (`hf.co/ORG/REPO`) is ORG's
            let hub = matches!(n.host.as_str(), "hf.co" | "huggingface.co");
            let ns = if n.host == crate::source::ollama::DEFAULT_HOST || hub {
                n.namespace.clone()
            } else {
                format!("{}/{}", n.host, n.namespace)
            };
            let ns = ns.to_ascii_lowercase();
            Some((ns.clone(), format!("{ns}/{}", n.model.to_ascii_lowercase())))
        }
        Source::Path(_) => None,
    }
}

fn matches(pattern: &str, what: &str) -> bool {
    globset::Glob::new(&pattern.to_ascii_lowercase())
        .map(|g| g.compile_matcher().is_match(what))
        .unwrap_or(false)
}

/// The `ban` pattern a source matches (by `org/name`, or by the whole
/// source as written: `hf:org/*`).
pub fn banned<'p>(policy: &'p Policy, source: &Source, raw: &str) -> Option<&'p Spanned<String>> {
    let (_, id) = identity(source)?;
    let raw = raw.to_ascii_lowercase();
    policy
        .ban
        .iter()
        .find(|p| matches(&p.value, &id) || matches(&p.value, &raw))
}

/// The organisation of a source that `allow-orgs` (when set) does not
/// list.
pub fn org_not_allowed(policy: &Policy, source: &Source) -> Option<String> {
    let allowed = policy.allow_orgs.as_ref()?;
    let (org, _) = identity(source)?;
    (!allowed.value.iter().any(|p| matches(&p.value, &org))).then_some(org)
}

/// `policy::banned` and `policy::source-not-allowed` for one entry.
pub fn check(manifest: &Manifest, entry: &ModelEntry) -> Vec<Diag> {
    let mut out = Vec::new();
    let policy = &manifest.policy;
    let source = &entry.source.value;
    if let Some(p) = banned(policy, source, &entry.source_raw) {
        out.push(
            Diag::error(
                Code::PolicyBanned,
                format!(
                    "model `{}` comes from `{}`, which `policy.ban` bans (`{}`)",
                    entry.name, entry.source_raw, p.value
                ),
            )
            .with_model(entry.name.clone())
            .with_label(manifest.file, entry.source.span.clone(), "banned source")
            .with_label(manifest.file, p.span.clone(), "the ban")
            .with_help("replace the model with one from a source policy accepts; a ban is not cleared by a review"),
        );
    }
    if let Some(org) = org_not_allowed(policy, source) {
        let list = policy.allow_orgs.as_ref();
        out.push(
            Diag::error(
                Code::PolicySourceNotAllowed,
                format!(
                    "model `{}` comes from the organisation `{org}`, which `policy.allow-orgs` does not list",
                    entry.name
                ),
            )
            .with_model(entry.name.clone())
            .with_label(manifest.file, entry.source.span.clone(), "from this organisation")
            .with_label(manifest.file, list.and_then(|l| l.span.clone()), "the organisations allowed")
            .with_help(format!(
                "use a model of an allowed organisation, or add `{org}` to `policy.allow-orgs` when the organisation is vetted"
            )),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities() {
        let s = |x: &str| Source::parse(x).unwrap();
        assert_eq!(
            identity(&s("hf:Meta-Llama/Llama-3.1-8B")),
            Some(("meta-llama".into(), "meta-llama/llama-3.1-8b".into()))
        );
        assert_eq!(
            identity(&s("hf:gpt2")),
            Some(("gpt2".into(), "gpt2".into()))
        );
        assert_eq!(
            identity(&s("ollama:llama3.1:8b")),
            Some(("library".into(), "library/llama3.1".into()))
        );
        assert_eq!(
            identity(&s(
                "ollama:hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M"
            )),
            Some((
                "bartowski".into(),
                "bartowski/llama-3.2-1b-instruct-gguf".into()
            ))
        );
        assert!(matches("evil/*", "evil/x"));
        assert!(!matches("evil/*", "evil-corp/x"));
        assert!(matches("hf:evil/*", "hf:evil/x"));
    }
}
