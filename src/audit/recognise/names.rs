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
];

/// A Hub model repo id as code writes it: `ORG/NAME`, valid for the Hub,
/// and not a path. Returns the id and whether it is one segment (a legacy
/// id such as `gpt2`, or just as likely a local directory name).
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
            let has_ext = one
                .rsplit_once('.')
                .is_some_and(|(_, e)| FILE_EXTS.contains(&e.to_ascii_lowercase().as_str()));
            if has_ext || !one.chars().any(|c| c.is_ascii_alphabetic()) {
                return None;
            }
            RepoId::parse(s).ok().map(|r| (r.as_str().to_owned(), true))
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
];

/// Keys whose value names a model.
pub(super) fn model_key(key: &str) -> bool {
    let k = key.rsplit('.').next().unwrap_or(key).to_ascii_lowercase();
    let named = k.contains("model") || matches!(k.as_str(), "repo_id" | "hf_repo" | "checkpoint");
    if !named {
        return false;
    }
    if k.ends_with("name_or_path") {
        return true;
    }
    const NOT: &[&str] = &[
        "path", "dir", "file", "folder", "type", "class", "kwargs", "args", "size", "len",
        "length", "dtype", "revision", "version", "format", "provider", "count", "tokens", "url",
        "config", "cls", "kind", "family", "loader", "impl", "max", "min",
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
