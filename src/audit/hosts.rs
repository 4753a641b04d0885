//! The live inventory of a serving host: what an Ollama server serves
//! (`GET /api/tags`: each model's name and manifest digest; `POST
//! /api/show`: its license), as findings held against the lock like the
//! models of the local Ollama store.

use super::{Confidence, Finding, Location, ModelRef};
use crate::hashing::{is_lower_hex, sha256_hex};
use crate::net::Http;
use serde_json::Value;
use std::path::PathBuf;

/// API answers are small.
const LIMIT: u64 = 16 << 20;

/// The base URL of an Ollama server as `OLLAMA_HOST` may write it
/// (`localhost:11434`, `http://gpu-1:11434/`), or why it is not one.
pub fn base_url(host: &str) -> Result<String, String> {
    let h = host.trim().trim_end_matches('/');
    let with_scheme = if h.contains("://") {
        h.to_owned()
    } else {
        format!("http://{h}")
    };
    let u = url::Url::parse(&with_scheme).map_err(|e| format!("`{host}` is not a host: {e}"))?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err(format!("`{host}` is not an http(s) host"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(format!(
            "`{}`: a host with credentials is not read",
            crate::net::redact(&with_scheme)
        ));
    }
    Ok(with_scheme.trim_end_matches('/').to_owned())
}

/// What a served model is, as the store's models are named: `llama3.2`
/// (the default tag left out), `user/model:tag`, `hf.co/ORG/REPO:Q4_K_M`.
fn served_name(name: &str) -> Option<String> {
    let n = name.strip_prefix("registry.ollama.ai/").unwrap_or(name);
    let n = n.strip_prefix("library/").unwrap_or(n);
    let n = n.strip_suffix(":latest").unwrap_or(n);
    crate::source::Source::parse(&format!("ollama:{n}"))
        .ok()
        .map(|_| n.to_owned())
}

/// Every model the Ollama server at `base` serves, with its manifest
/// digest and the license it serves. `Err` says why the host could not be
/// read.
pub fn ollama(http: &Http, base: &str) -> Result<Vec<Finding>, String> {
    let tags = http
        .get(
            &format!("{base}/api/tags"),
            &[("accept", "application/json")],
            LIMIT,
        )
        .map_err(|e| e.to_string())?;
    if tags.status != 200 {
        return Err(format!("`{base}/api/tags` answered HTTP {}", tags.status));
    }
    let v: Value = serde_json::from_slice(&tags.body)
        .map_err(|_| format!("`{base}/api/tags` is not the JSON of an Ollama server"))?;
    let Some(models) = v["models"].as_array() else {
        return Err(format!("`{base}/api/tags` lists no `models`"));
    };
    let mut out = Vec::new();
    for m in models.iter().take(10_000) {
        let (Some(name), Some(digest)) = (
            m["name"].as_str().or(m["model"].as_str()),
            m["digest"].as_str(),
        ) else {
            continue;
        };
        // values from the network are checked before they are reported
        let digest = digest.strip_prefix("sha256:").unwrap_or(digest);
        let (Some(shown), true) = (served_name(name), is_lower_hex(digest, 64)) else {
            continue;
        };
        let license = show_license(http, base, name);
        out.push(Finding {
            location: Location::Store {
                path: PathBuf::from(format!("{base} ({name})")),
            },
            reference: ModelRef::Ollama {
                name: format!("{shown}@sha256:{digest}"),
            },
            via: "ollama-host",
            kind: super::kind::Kind::Deploy,
            confidence: Confidence::High,
            detail: license,
        });
    }
    Ok(out)
}

/// The license a served model carries (`/api/show`): its first line and
/// the digest of its text, as a license file's digest is taken.
fn show_license(http: &Http, base: &str, name: &str) -> Option<String> {
    let r = http
        .post_json(
            &format!("{base}/api/show"),
            &serde_json::json!({ "model": name }),
            LIMIT,
        )
        .ok()?;
    if r.status != 200 {
        return None;
    }
    let v: Value = serde_json::from_slice(&r.body).ok()?;
    let license = v["license"].as_str().filter(|l| !l.trim().is_empty())?;
    let first: String = license
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(80)
        .collect();
    let digest = sha256_hex(crate::license::normalise(license.as_bytes()).as_bytes());
    Some(format!(
        "serves the license \"{first}\" (sha256:{})",
        &digest[..12]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_names() {
        assert_eq!(
            base_url("localhost:11434").unwrap(),
            "http://localhost:11434"
        );
        assert_eq!(
            base_url("https://gpu-1:11434/").unwrap(),
            "https://gpu-1:11434"
        );
        assert!(base_url("ftp://x").is_err());
        assert!(base_url("http://u:p@x").is_err());
        assert_eq!(served_name("llama3.2:latest").as_deref(), Some("llama3.2"));
        assert_eq!(served_name("qwen2.5:7b").as_deref(), Some("qwen2.5:7b"));
        assert_eq!(
            served_name("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M").as_deref(),
            Some("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M")
        );
        assert_eq!(served_name("../../etc"), None);
    }
}
