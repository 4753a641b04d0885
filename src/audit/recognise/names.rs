//! What counts as a model name: Hub repo ids that are not paths or
//! placeholders, Ollama names, and the config keys that name models.

use crate::source::hf::RepoId;

/// First path segments of huggingface.co that are not model repos.
pub(super) const RESERVED: &[&str] = &[
    "datasets",
    "spaces",
    "docs",
    "api",
    "blog",
    "papers",
    "settings",
    "login",
    "join",
    "pricing",
    "models",
    "organizations",
    "collections",
    "learn",
    "tasks",
    "new",
    "chat",
    "posts",
    "enterprise",
    "buckets",
    "changelog",
    "terms-of-service",
    "privacy",
    "welcome",
    "inference-endpoints",
    "hub",
    "search",
    "notifications",
    "huggingface-projects",
    "cli",
    "storage",
    "static-proxy",
    "front",
    "avatars",
    "mcp",
];

/// Directory names that make `X/Y` a path rather than a repo id.
pub(super) const PATH_DIRS: &[&str] = &[
    "data",
    "dataset",
    "datasets",
    "src",
    "lib",
    "app",
    "apps",
    "test",
    "tests",
    "docs",
    "doc",
    "model",
    "models",
    "config",
    "configs",
    "script",
    "scripts",
    "assets",
    "static",
    "public",
    "build",
    "dist",
    "tmp",
    "temp",
    "out",
    "output",
    "outputs",
    "checkpoint",
    "checkpoints",
    "weights",
    "images",
    "img",
    "logs",
    "log",
    "results",
    "cache",
    "runs",
    "run",
    "train",
    "eval",
    "home",
    "usr",
    "var",
    "etc",
    "opt",
    "mnt",
    "workspace",
    "artifacts",
    "local",
    "examples",
    "example",
    "resources",
    "pkg",
    "cmd",
    "internal",
    "node_modules",
    "vendor",
    "notebooks",
    "experiments",
    "ckpt",
    "ckpts",
    "saved_models",
    "pretrained",
    "files",
];

pub(super) const FILE_EXTS: &[&str] = &[
    "py",
    "json",
    "jsonl",
    "csv",
    "tsv",
    "txt",
    "yaml",
    "yml",
    "md",
    "gguf",
    "bin",
    "safetensors",
    "pt",
    "pth",
    "onnx",
    "ckpt",
    "h5",
    "parquet",
    "tar",
    "gz",
    "zip",
    "png",
    "jpg",
    "jpeg",
    "toml",
    "sh",
    "js",
    "ts",
    "html",
    "pkl",
    "npy",
    "npz",
    "arrow",
    "wav",
    "mp3",
    "ps1",
    "exe",
    "whl",
    "msi",
    "dmg",
    "deb",
    "rpm",
    "xml",
    "lock",
    "cfg",
    "ini",
    "log",
    "pdf",
    "svg",
    "gif",
    "webp",
    "mp4",
    "tgz",
    "bz2",
    "xz",
    "zst",
    "rs",
    "go",
    "ipynb",
    "cpp",
    "cc",
    "hpp",
    "c",
    "h",
    "java",
    "kt",
    "swift",
    "rb",
    "php",
    "cu",
    "lua",
    "dart",
    "zig",
    "git",
];

/// The Hub's one-part model ids from before organisations (`gpt2`,
/// `bert-base-uncased`), which the Hub still resolves.
fn legacy_ids() -> &'static std::collections::HashSet<&'static str> {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| {
        include_str!("data/legacy-hub-ids.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// A Hub model repo id as code writes it: `ORG/NAME`, valid for the Hub,
/// and not a path. Returns the id and whether it is a guess: one segment
/// that is not one of the Hub's legacy ids (`gpt2` is one; `mymodel` is
/// just as likely a local directory).
pub(super) fn hub_id(s: &str) -> Option<(String, bool)> {
    let s = s.trim_end_matches(['.', ',', ';', ':']);
    if s.starts_with(['.', '/', '~']) || s.contains("//") || s.contains('\\') || s.ends_with('/') {
        return None;
    }
    let parts: Vec<&str> = s.split('/').collect();
    match parts.as_slice() {
        [org, name] => {
            if PATH_DIRS.contains(&org.to_ascii_lowercase().as_str()) {
                return None;
            }
            if let Some((_, ext)) = name.rsplit_once('.') {
                if FILE_EXTS.contains(&ext.to_ascii_lowercase().as_str()) {
                    return None;
                }
            }
            if !org.chars().any(|c| c.is_ascii_alphabetic())
                || !name.chars().any(|c| c.is_ascii_alphabetic())
            {
                return None;
            }
            RepoId::parse(s)
                .ok()
                .map(|r| (r.as_str().to_owned(), false))
        }
        [one] => {
            // hosted APIs' model names (`gpt-4o`, `claude-3-5-sonnet`,
            // `text-embedding-3-small`) are not the Hub's
            let lower = one.to_ascii_lowercase();
            if HOSTED_PREFIXES.iter().any(|p| lower.starts_with(p)) {
                return None;
            }
            // a word (`String`, `mistral`, `default`) is a type, a family or
            // a keyword more often than a model; the legacy ids are known
            if one.chars().all(|c| c.is_ascii_alphabetic()) && !legacy_ids().contains(one) {
                return None;
            }
            let has_ext = one
                .rsplit_once('.')
                .is_some_and(|(_, e)| FILE_EXTS.contains(&e.to_ascii_lowercase().as_str()));
            if has_ext || !one.chars().any(|c| c.is_ascii_alphabetic()) {
                return None;
            }
            let guess = !legacy_ids().contains(s);
            RepoId::parse(s)
                .ok()
                .map(|r| (r.as_str().to_owned(), guess))
        }
        _ => None,
    }
}

/// An Ollama model name as code writes it (`llama3.1:8b`,
/// `library/qwen2.5`, `hf.co/ORG/REPO:Q4_K_M`), and whether it has a tag.
pub(super) fn ollama_name(s: &str) -> Option<(String, bool)> {
    let s = s.trim_end_matches(['.', ',', ';']);
    if s.is_empty() || s.starts_with(['.', '/', '~']) || s.contains("://") {
        return None;
    }
    let name_part = s.split('@').next().unwrap_or(s);
    let last = name_part.rsplit('/').next().unwrap_or(name_part);
    let tagged = last.contains(':');
    let model = last.split(':').next().unwrap_or(last);
    if model.is_empty()
        || !model.chars().any(|c| c.is_ascii_alphabetic())
        || name_part.split('/').count() > 3
    {
        return None;
    }
    crate::source::Source::parse(&format!("ollama:{s}"))
        .ok()
        .map(|_| (s.to_owned(), tagged))
}

/// Whether `org/name` only stands for "yours" or "some model" in an
/// example: `your-org/your-model`, `user-id/repo-id`, `test/model`.
pub(super) fn is_placeholder(org: &str, name: &str) -> bool {
    let (o, n) = (org.to_ascii_lowercase(), name.to_ascii_lowercase());
    PLACEHOLDER_ORGS.contains(&o.as_str())
        || PLACEHOLDER_NAMES.contains(&n.as_str())
        || n.starts_with("your-")
        || n.starts_with("your_")
        || o.starts_with("your-")
        || o.starts_with("your_")
        || (o == "test" && !n.contains('-'))
}

/// Repo names that stand for "a model" in examples.
const PLACEHOLDER_NAMES: &[&str] = &[
    "repo-id",
    "repo_id",
    "repo-name",
    "repo_name",
    "model-name",
    "model_name",
    "model-id",
    "model_id",
    "my-model",
    "my_model",
    "my-awesome-model",
    "model",
    "repo",
    "name",
    "modelname",
    "xxx",
    "mymodel",
    "choose-a-model-name",
    "test-model",
    "dummy",
    "dummy-model",
];

/// Model names of hosted APIs (OpenAI, Anthropic, Google, Cohere).
const HOSTED_PREFIXES: &[&str] = &[
    "gpt-3",
    "gpt-4",
    "gpt-5",
    "gpt-image",
    "chatgpt",
    "o1-",
    "o3-",
    "o4-",
    "claude",
    "text-embedding",
    "text-davinci",
    "davinci",
    "babbage",
    "dall-e",
    "whisper-1",
    "tts-1",
    "gemini",
    "embed-english",
    "embed-multilingual",
];

/// Hub orgs that only stand for "yours" in examples.
pub(super) const PLACEHOLDER_ORGS: &[&str] = &[
    "username",
    "your-username",
    "your_username",
    "user",
    "your-user",
    "my-user",
    "my-username",
    "org",
    "my-org",
    "your-org",
    "organization",
    "your-organization",
    "my-organization",
    "author",
    "namespace",
    "owner",
    "example",
    "foo",
    "me",
    "user-id",
    "user_id",
    "userid",
    "user-name",
    "repo-owner",
    "hf-user",
    "hf_user",
    "my-hf-user",
    "my-name",
    "myorg",
    "myuser",
    "org-name",
    "org_name",
    "orgname",
    "company",
    "acme-corp",
    "some-org",
    "someone",
    "test-repo",
    "test-org",
    "some",
    "some-user",
    "my-repo",
    "myuser",
    "my-user-name",
];

/// Words of key names whose value names a model: `model_id_or_path`,
/// `*_CHECKPOINT`, `ckpt`, `adapter_id`, `tokenizer`, `hf_repo`, `llm`,
/// `reranker`, `LLM=`.
const MODEL_WORDS: &[&str] = &[
    "model",
    "repo_id",
    "hf_repo",
    "hf-repo",
    "checkpoint",
    "ckpt",
    "adapter",
    "tokenizer",
    "llm",
    "reranker",
    "embedder",
    "embedding",
    "embed",
    "generator",
    "teacher",
    "student",
    "draft",
    "lora",
];

/// Keys whose value names a model.
pub(super) fn model_key(key: &str) -> bool {
    let k = key.rsplit('.').next().unwrap_or(key).to_ascii_lowercase();
    let k = k.trim_start_matches('-').replace('-', "_");
    let named = MODEL_WORDS.iter().any(|w| k.contains(&w.replace('-', "_")));
    if !named {
        return false;
    }
    if k.ends_with("name_or_path") {
        return true;
    }
    const NOT: &[&str] = &[
        "path",
        "dir",
        "file",
        "folder",
        "type",
        "class",
        "kwargs",
        "args",
        "size",
        "len",
        "length",
        "dtype",
        "revision",
        "version",
        "format",
        "provider",
        "count",
        "tokens",
        "url",
        "config",
        "cls",
        "kind",
        "family",
        "loader",
        "impl",
        "max",
        "min",
        "dim",
        "dims",
        "batch",
        "key",
        "keys",
        "port",
        "host",
        "endpoint",
        "timeout",
        "enabled",
        "enable",
        "temperature",
        "device",
        "dtype",
        "mode",
        "id_list",
        "ids",
        "names",
        "list",
        "map",
    ];
    !NOT.iter().any(|n| k.ends_with(n))
}

/// Pages of a repo: `huggingface.co/gpt2/discussions` is the one-part repo
/// `gpt2`, not `gpt2/discussions`.
pub const SUBPAGES: &[&str] = &[
    "discussions",
    "tree",
    "blob",
    "resolve",
    "raw",
    "commits",
    "commit",
    "settings",
    "edit",
    "community",
    "discussion",
    "upload",
    "delete",
    "viewer",
];

/// Whether the last part of `X/Y` has the extension of a file type.
pub(super) fn has_file_ext(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(_, e)| FILE_EXTS.contains(&e.to_ascii_lowercase().as_str()))
}
