//! Model-loading calls: transformers, huggingface_hub, sentence-transformers,
//! vLLM, the hf-hub crate, Go's `hf` URLs, and the Ollama client APIs.

use super::names::*;
use super::syntax::*;
use super::{FileKind, Hit, Scan};
use crate::audit::{Confidence, ModelRef};
use crate::source::hf::RepoId;

/// Model-loading calls: `from_pretrained(ID)`, `pipeline(model=ID)`,
/// `hf_hub_download(repo_id=ID)`, sentence-transformers.
pub(super) fn calls(s: &Scan<'_>, hits: &mut Vec<Hit>) {
    let (text, p) = (s.text, s.p);
    let conf = |at: usize, guess: bool| s.conf(at, guess);
    for m in p.call.captures_iter(text) {
        if !s.admit(m.get(0).map_or(0, |g| g.start())) {
            continue;
        }
        let func = m.get(1).map_or("", |g| g.as_str());
        let open = m.get(0).map_or(0, |g| g.end() - 1);
        let (args, _) = call_args(text, open);
        let kw = |names: &[&str]| {
            args.iter()
                .find(|a| a.key.as_deref().is_some_and(|k| names.contains(&k)))
        };
        let positional = || {
            args.iter()
                .filter(|a| a.key.is_none())
                .take(2)
                .find(|a| a.value.is_some())
        };
        let chosen = match func {
            "pipeline" => kw(&["model"]),
            "hf_hub_download"
            | "snapshot_download"
            | "model_info"
            | "hf_hub_url"
            | "HuggingFaceEndpoint" => kw(&["repo_id", "model"]).or_else(positional),
            "SentenceTransformer"
            | "CrossEncoder"
            | "HuggingFaceEmbeddings"
            | "HuggingFaceEmbedding"
            | "TextEmbedding"
            | "HuggingFaceLLM"
            | "FlagModel"
            | "BGEM3FlagModel"
            | "FlagReranker" => {
                kw(&["model_name_or_path", "model_name", "model"]).or_else(positional)
            }
            "LLM" | "AsyncLLM" | "EngineArgs" | "AsyncEngineArgs" => {
                kw(&["model"]).or_else(positional)
            }
            _ => kw(&["pretrained_model_name_or_path", "model_id"]).or_else(positional),
        };
        let repo_type = kw(&["repo_type"])
            .and_then(|a| a.value.as_ref())
            .map(|v| v.0.clone());
        if repo_type.is_some_and(|t| t != "model") {
            continue;
        }
        // a literal, or a constant of the file that holds one
        let Some((value, start, end)) = chosen.and_then(|a| {
            a.value
                .clone()
                .or_else(|| constant_value(s, a.text.as_deref()?))
        }) else {
            continue;
        };
        let revision = kw(&["revision"])
            .and_then(|a| a.value.as_ref())
            .map(|v| v.0.clone());
        if let Some((repo, one)) = hub_id(&value) {
            // sentence-transformers reads a bare name as one of its own
            // (`all-MiniLM-L6-v2` is `sentence-transformers/all-MiniLM-L6-v2`)
            let st = matches!(
                func,
                "SentenceTransformer" | "CrossEncoder" | "HuggingFaceEmbeddings"
            );
            let (repo, one) = if one && st {
                (format!("sentence-transformers/{repo}"), false)
            } else {
                (repo, one)
            };
            let kind_name = match func {
                "from_pretrained" => "from_pretrained",
                "hf_hub_download" => "hf_hub_download",
                "snapshot_download" => "snapshot_download",
                "pipeline" => "pipeline",
                "LLM" | "AsyncLLM" | "EngineArgs" | "AsyncEngineArgs" => "vllm",
                "SentenceTransformer" | "CrossEncoder" => "sentence-transformers",
                _ => "model-call",
            };
            hits.push(Hit {
                start,
                end,
                reference: ModelRef::Hf { repo, revision },
                via: kind_name,
                documented: false,
                confidence: conf(start, one),
            });
        }
    }
}

/// Ollama API calls: `ollama.chat(model=…)`, `ollama.pull('…')`, JS objects.
pub(super) fn ollama_calls(s: &Scan<'_>, hits: &mut Vec<Hit>) {
    let (text, p) = (s.text, s.p);
    let conf = |at: usize, guess: bool| s.conf(at, guess);
    for m in p.ollama_call.captures_iter(text) {
        if !s.admit(m.get(0).map_or(0, |g| g.start())) {
            continue;
        }
        let open = m.get(0).map_or(0, |g| g.end() - 1);
        let (args, call_end) = call_args(text, open);
        // `create` and `copy` name a new model: what it is made from is
        // the reference
        let func = m.get(1).map_or("", |g| g.as_str());
        let direct = if matches!(func, "create" | "copy" | "push") {
            args.iter()
                .find(|a| matches!(a.key.as_deref(), Some("from_" | "from" | "source")))
                .or_else(|| (func == "copy").then(|| args.first()).flatten())
                .and_then(|a| a.value.clone())
        } else {
            args.iter()
                .find(|a| a.key.as_deref() == Some("model"))
                .or_else(|| args.iter().find(|a| a.key.is_none() && a.value.is_some()))
                .and_then(|a| a.value.clone())
        };
        let in_object = || {
            let body = &text[open..call_end.max(open)];
            p.object_model.captures(body).and_then(|c| {
                let g = c.get(1)?;
                Some((g.as_str().to_owned(), open + g.start(), open + g.end()))
            })
        };
        if let Some((value, start, end)) = direct.or_else(in_object) {
            if let Some((name, _)) = ollama_name(&value) {
                hits.push(Hit {
                    start,
                    end,
                    reference: ModelRef::Ollama { name },
                    via: "ollama-api",
                    documented: false,
                    confidence: conf(start, false),
                });
            }
        }
    }
}

/// The string a constant of the file is set to: `NAME = "…"`,
/// `NAME: str = "…"`, `const NAME = "…"`, `NAME := "…"` — the span of the
/// literal (the first assignment in the file).
pub(super) fn constant_value(s: &Scan<'_>, name: &str) -> Option<(String, usize, usize)> {
    let name = name.trim();
    if !s.p.constant.is_match(name) {
        return None;
    }
    let pattern = format!(
        r#"(?m)^[ \t]*(?:(?:export|const|let|var|static|final|pub)[ \t]+)*{}(?:[ \t]*:[ \t]*[A-Za-z_&'\[\]. |]+?)?[ \t]*:?=[ \t]*["'`]([^"'`\n]+)["'`]"#,
        regex::escape(name)
    );
    let re = regex::Regex::new(&pattern).ok()?;
    let c = re.captures(s.text)?;
    let g = c.get(1)?;
    Some((g.as_str().to_owned(), g.start(), g.end()))
}

/// The hf-hub crate: `api.model("ORG/NAME".to_string())`,
/// `Repo::model(…)`, `Repo::with_revision(ID, RepoType::Model, REV)`.
pub(super) fn hf_hub_rs(s: &Scan<'_>, hits: &mut Vec<Hit>) {
    if !matches!(s.kind, FileKind::Rust) {
        return;
    }
    for m in s.p.hf_hub_rs.find_iter(s.text) {
        let open = s.text[..m.end()].rfind('(').unwrap_or(m.end());
        let (args, _) = call_args(s.text, open);
        let Some(first) = args.first() else { continue };
        if args.iter().any(|a| {
            a.text
                .as_deref()
                .is_some_and(|t| t.contains("RepoType::Dataset") || t.contains("RepoType::Space"))
        }) {
            continue;
        }
        // "ID", "ID".to_string(), "ID".into(), String::from("ID")
        let string = |a: &Arg| {
            a.value.clone().or_else(|| {
                let t = a.text.as_deref()?;
                let q = t.find('"')?;
                let e = t[q + 1..].find('"')?;
                let inner = &t[q + 1..q + 1 + e];
                let at = s.text[open..].find(t).map(|i| open + i + q + 1)?;
                Some((inner.to_owned(), at, at + inner.len()))
            })
        };
        let Some((v, start, end)) = string(first) else {
            continue;
        };
        if !s.admit(start) {
            continue;
        }
        if let Some((repo, one)) = hub_id(&v) {
            let revision = args.get(2).and_then(string).map(|v| v.0);
            hits.push(Hit {
                start,
                end,
                reference: ModelRef::Hf { repo, revision },
                via: "hf-hub",
                confidence: s.conf(start, one),
                documented: false,
            });
        }
    }
}

/// Go: `url.URL{Scheme: "hf", Host: "ORG", Path: "/NAME"}`.
pub(super) fn go_hf_url(s: &Scan<'_>, hits: &mut Vec<Hit>) {
    for m in s.p.go_hf_url.captures_iter(s.text) {
        let (Some(org), Some(name)) = (m.get(1), m.get(2)) else {
            continue;
        };
        if !s.admit(org.start()) {
            continue;
        }
        if let Ok(r) = RepoId::parse(&format!("{}/{}", org.as_str(), name.as_str())) {
            hits.push(Hit {
                start: org.start(),
                end: name.end(),
                reference: ModelRef::Hf {
                    repo: r.as_str().to_owned(),
                    revision: None,
                },
                via: "hf-url",
                confidence: Confidence::High,
                documented: false,
            });
        }
    }
}
