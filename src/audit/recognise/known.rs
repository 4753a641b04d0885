//! Recognition by what is known rather than by where it is written: a
//! string shaped as a Hub repo id whose namespace is a known model
//! publisher (`data/hub-publishers.txt`) is a model reference in any
//! language and any position — a helper's argument, a list, a dict, a
//! parametrize table, a Helm value; an Ollama library name
//! (`data/ollama-library.txt`) is one wherever the file talks to Ollama.
//! What the id-shaped string is used as still decides: a dataset, a
//! container image, a GitHub repo or a kernel is not a model.

use super::names::{has_file_ext, is_placeholder};
use super::syntax::{enclosing_call, key_before, line_of, yaml_parent_key};
use super::{FileKind, Hit, Scan};
use crate::audit::{Confidence, ModelRef};
use std::collections::HashSet;
use std::sync::OnceLock;

const PUBLISHERS: &str = include_str!("data/hub-publishers.txt");
const OLLAMA_LIBRARY: &str = include_str!("data/ollama-library.txt");

fn entries(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The namespaces that publish models on the Hub, in lower case.
pub(super) fn publishers() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| entries(PUBLISHERS).map(str::to_ascii_lowercase).collect())
}

/// The names of the Ollama library's models.
pub(super) fn ollama_library() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        entries(OLLAMA_LIBRARY)
            .map(str::to_ascii_lowercase)
            .collect()
    })
}

/// The publishers as a regex alternation, longest first (so that
/// `google-bert` is not read as `google`).
pub(super) fn publisher_alternation() -> String {
    let mut names: Vec<&str> = entries(PUBLISHERS).collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names
        .iter()
        .map(|n| regex::escape(n))
        .collect::<Vec<_>>()
        .join("|")
}

/// Whether `org` publishes models on the Hub.
pub(super) fn is_publisher(org: &str) -> bool {
    publishers().contains(&org.to_ascii_lowercase())
}

/// Whether an Ollama name (`llama3.1:8b`, `library/gemma3`) is a model of
/// the Ollama library.
pub(super) fn is_library_model(name: &str) -> bool {
    let name = name.split('@').next().unwrap_or(name);
    let name = name.strip_prefix("library/").unwrap_or(name);
    if name.contains('/') {
        return false;
    }
    let base = name.split(':').next().unwrap_or(name);
    ollama_library().contains(&base.to_ascii_lowercase())
}

/// The families of the Ollama library: the leading letters of its names
/// (`llama`, `gemma`, `qwen`, `deepseek`), three letters at least.
fn families() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        ollama_library()
            .iter()
            .map(|n| {
                n.chars()
                    .take_while(char::is_ascii_alphabetic)
                    .collect::<String>()
            })
            .filter(|f| f.len() >= 3)
            .collect()
    })
}

/// Whether an Ollama name is shaped as a model of the library: one of
/// its names, or a new version of one of its families (`gemma4`,
/// `qwen3.5:2b`, `llama3.1-ctx32768`) — names outside the list it was
/// taken from. Placeholders (`my-model`, `user/model`) are not.
pub(super) fn is_ollama_model_like(name: &str) -> bool {
    let name = name.split('@').next().unwrap_or(name);
    let name = name.strip_prefix("library/").unwrap_or(name);
    if let Some((ns, rest)) = name.split_once('/') {
        if is_placeholder(ns, rest.split(':').next().unwrap_or(rest)) || ns == "hf.co" {
            return ns == "hf.co";
        }
        return false;
    }
    let base = name.split(':').next().unwrap_or(name);
    // Ollama's names are lower case; a file name is not a model's
    if base.chars().any(|c| c.is_ascii_uppercase())
        || base.ends_with(['-', '.', '_'])
        || has_file_ext(base)
    {
        return false;
    }
    if is_library_model(name) {
        return true;
    }
    let family: String = base.chars().take_while(char::is_ascii_alphabetic).collect();
    // a version (`4`, `3.5`) and dash-separated parts (`-vision`, `-ctx32768`)
    let rest = &base[family.len()..];
    let versioned = rest.starts_with(|c: char| c.is_ascii_digit())
        && rest
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
    versioned && families().contains(&family)
}

/// Keys and calls whose value is not a model even when it is shaped as one.
const NOT_MODEL_KEYS: &[&str] = &[
    "dataset",
    "datasets",
    "dataset_name",
    "dataset_id",
    "dataset_path",
    "data",
    "data_files",
    "data_path",
    "image",
    "images",
    "container",
    "space",
    "space_id",
    "repo_url",
    "github",
    "kernel",
];

const NOT_MODEL_CALLS: &[&str] = &[
    "load_dataset",
    "load_from_disk",
    "get_kernel",
    "dataset_info",
    "list_repo_files_dataset",
];

/// Whether the id-shaped string at `start` is used as something else than
/// a model: a dataset, a container image, a GitHub repo, a kernel.
pub(super) fn used_as_other(s: &Scan<'_>, start: usize, end: usize) -> bool {
    let text = s.text;
    let line = line_of(text, start);
    let after = &text[end..];
    // a git repo, a container image tag in a Dockerfile or an image key
    if after.starts_with(".git") {
        return true;
    }
    let trimmed = line.trim_start();
    if s.kind == FileKind::Docker && trimmed.to_ascii_uppercase().starts_with("FROM ") {
        return true;
    }
    let lower_line = line.to_ascii_lowercase();
    if [
        "docker pull",
        "docker run",
        "podman run",
        "repo_type=\"dataset\"",
        "repo_type='dataset'",
        "--repo-type dataset",
        "--repo-type=dataset",
    ]
    .iter()
    .any(|p| lower_line.contains(p))
    {
        return true;
    }
    if let Some(key) = key_before(text, start) {
        let k = key.to_ascii_lowercase();
        if NOT_MODEL_KEYS
            .iter()
            .any(|n| k == *n || k.ends_with(&format!("_{n}")) || k.starts_with(&format!("{n}_")))
        {
            return true;
        }
        // `repository:` and `tag:` of an image
        if matches!(k.as_str(), "repository" | "repo") {
            if let Some(parent) = yaml_parent_key(text, start) {
                if parent.to_ascii_lowercase().contains("image") {
                    return true;
                }
            }
        }
    }
    if let Some(call) = enclosing_call(text, start) {
        if NOT_MODEL_CALLS.contains(&call.as_str()) {
            return true;
        }
    }
    if matches!(s.kind, FileKind::Yaml | FileKind::Template) {
        if let Some(parent) = yaml_parent_key(text, start) {
            let p = parent.to_ascii_lowercase();
            if p.contains("image")
                || p.contains("dataset")
                || matches!(
                    p.as_str(),
                    "keywords"
                        | "tags"
                        | "labels"
                        | "annotations"
                        | "categories"
                        | "dependencies"
                        | "maintainers"
                )
            {
                return true;
            }
        }
    }
    // the text of a Markdown link to another site (`[org/repo](https://github.com/…)`),
    // a search query (`models?search=Qwen/Qwen`)
    if let Some(target) = text[end..].strip_prefix("](") {
        let target = target.trim_start_matches(['<', ' ']);
        let hub = target.starts_with("https://huggingface.co/")
            || target.starts_with("https://hf.co/")
            || target.starts_with("http://huggingface.co/");
        if !hub && (target.starts_with("http://") || target.starts_with("https://")) {
            return true;
        }
    }
    let mut from = start.saturating_sub(8);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let before = &text[from..start];
    if before.ends_with("search=") || before.ends_with("?q=") || before.ends_with("&q=") {
        return true;
    }
    false
}

/// Publishers whose namespace is also a big GitHub or container-registry
/// organisation.
const AMBIGUOUS: &[&str] = &[
    "google",
    "microsoft",
    "nvidia",
    "facebook",
    "apple",
    "amazon",
    "intel",
    "ibm",
    "openai",
    "huggingface",
    "amd",
    "meta",
    "alibaba",
    "baidu",
    "tencent",
    "salesforce",
    "adobe",
    "yandex",
    "naver",
    "sony",
    "samsung",
    "timm",
    "mit",
];

/// Software that organisations publish under the same name as on GitHub.
const SOFTWARE: &[&str] = &[
    "transformers",
    "diffusers",
    "tokenizers",
    "datasets",
    "accelerate",
    "peft",
    "trl",
    "optimum",
    "safetensors",
    "candle",
    "huggingface_hub",
    "huggingface.js",
    "hub-docs",
    "text-generation-inference",
    "text-embeddings-inference",
    "cuda",
    "protobuf",
    "vscode",
    "typescript",
    "pytorch",
    "jax",
    "flax",
    "triton",
    "tensorrt",
    "tensorrt-llm",
    "nemo",
];

/// Whether a repo name is shaped as a model's: it has a digit (a size, a
/// version) or a word models are named with.
fn looks_like_model(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    if SOFTWARE.contains(&n.as_str()) {
        return false;
    }
    const WORDS: &[&str] = &[
        "base", "large", "small", "tiny", "mini", "medium", "xl", "instruct", "chat", "it", "bert",
        "gpt", "llama", "gemma", "phi", "t5", "vit", "clip", "whisper", "opt", "bart", "roberta",
        "deberta", "siglip", "owl", "detr", "embed", "rerank", "coder", "vision",
    ];
    n.chars().any(|c| c.is_ascii_digit()) || n.split(['-', '_', '.']).any(|w| WORDS.contains(&w))
}

/// Hub ids of known publishers, anywhere.
pub(super) fn publisher_ids(s: &Scan<'_>, hits: &mut Vec<Hit>) {
    let text = s.text;
    for m in s.p.id_shaped.captures_iter(text) {
        let (Some(org), Some(name)) = (m.get(1), m.get(2)) else {
            continue;
        };
        if !is_publisher(org.as_str()) {
            continue;
        }
        // namespaces that are also GitHub and container organisations
        // (`google/protobuf`, `nvidia/cuda`, `huggingface/transformers`):
        // only names shaped as a model's
        if AMBIGUOUS.contains(&org.as_str().to_ascii_lowercase().as_str())
            && !looks_like_model(name.as_str())
        {
            continue;
        }
        let name_s = name.as_str().trim_end_matches(['.', '-']);
        let end = name.start() + name_s.len();
        if name_s.is_empty()
            || has_file_ext(name_s)
            || is_placeholder(org.as_str(), name_s)
            || name_s.to_ascii_lowercase().contains("dataset")
        {
            continue;
        }
        if !s.admit(org.start()) {
            continue;
        }
        if used_as_other(s, org.start(), end) {
            continue;
        }
        let id = format!("{}/{name_s}", org.as_str());
        if let Ok(r) = crate::source::hf::RepoId::parse(&id) {
            hits.push(Hit {
                start: org.start(),
                end,
                reference: ModelRef::Hf {
                    repo: r.as_str().to_owned(),
                    revision: None,
                },
                via: "known-publisher",
                confidence: Confidence::High,
                documented: false,
            });
        }
    }
}

/// Ollama library names in string literals and bare values of a file that
/// talks to Ollama: `chat('gemma3', …)`, `pull("llama3.1:8b")`,
/// `LLM=llama2`, a Helm list `- qwen2.5:7b`; and anywhere, a quoted
/// library name with a model's tag (`"gemma2:2b"`).
pub(super) fn ollama_names(s: &Scan<'_>, hits: &mut Vec<Hit>) {
    // a quoted `gemma2:2b` is an Ollama model wherever it is written
    let patterns: &[(&regex::Regex, &'static str)] = if s.ollama_ctx {
        &[
            (&s.p.quoted_name, "ollama-name"),
            (&s.p.bare_value, "ollama-name"),
        ]
    } else {
        &[(&s.p.tagged_name, "ollama-name")]
    };
    for &(re, via) in patterns {
        for m in re.captures_iter(s.text) {
            let Some(g) = m.get(1) else { continue };
            let v = g.as_str();
            if !is_ollama_model_like(v) || !s.admit(g.start()) {
                continue;
            }
            let Some((name, _)) = super::names::ollama_name(v) else {
                continue;
            };
            if used_as_other(s, g.start(), g.end()) {
                continue;
            }
            // a provider or a family (`provider: "mistral"`), not a model
            if key_before(s.text, g.start()).is_some_and(|k| {
                matches!(
                    k.to_ascii_lowercase().as_str(),
                    "provider"
                        | "providers"
                        | "vendor"
                        | "family"
                        | "families"
                        | "backend"
                        | "type"
                        | "engine"
                        | "org"
                        | "owner"
                        | "architecture"
                )
            }) {
                continue;
            }
            hits.push(Hit {
                start: g.start(),
                end: g.end(),
                reference: ModelRef::Ollama { name },
                via,
                confidence: Confidence::High,
                documented: false,
            });
        }
    }
}
