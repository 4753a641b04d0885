//! Recognising model references in the text of a source or config file:
//! Hub repo ids in model-loading calls, config values, CLI flags and URLs;
//! Ollama names in `ollama pull|run`, Ollama API calls and Modelfiles.
//!
//! Every pattern is a `regex` (finite automata: linear time, no
//! backtracking) run once over the file; call arguments are read by a small
//! scanner that knows string literals and brackets. A reference found where
//! it is only a guess (in a comment, a bare one-part id, an Ollama name
//! without a tag outside an Ollama call) has low confidence.

use super::{Confidence, ModelRef};
use crate::source::hf::RepoId;
use regex::Regex;
use std::sync::OnceLock;

/// The kind of file, for its comment syntax and file-specific patterns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Python,
    Notebook,
    Script,
    Rust,
    Go,
    Yaml,
    Json,
    Toml,
    Env,
    Docker,
    Modelfile,
    Terraform,
    Shell,
}

impl FileKind {
    /// The kind of a file by its name, or `None` for files audit skips.
    pub fn of(name: &str) -> Option<FileKind> {
        let lower = name.to_ascii_lowercase();
        if lower == "modelfile" || lower.starts_with("modelfile.") || lower.ends_with(".modelfile")
        {
            return Some(FileKind::Modelfile);
        }
        if lower == "dockerfile"
            || lower.starts_with("dockerfile.")
            || lower.ends_with(".dockerfile")
            || lower == "containerfile"
        {
            return Some(FileKind::Docker);
        }
        if lower == ".env" || lower.starts_with(".env.") || lower.ends_with(".env") {
            return Some(FileKind::Env);
        }
        let ext = lower.rsplit_once('.').map(|(_, e)| e)?;
        Some(match ext {
            "py" | "pyi" => FileKind::Python,
            "ipynb" => FileKind::Notebook,
            "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" => FileKind::Script,
            "rs" => FileKind::Rust,
            "go" => FileKind::Go,
            "yaml" | "yml" => FileKind::Yaml,
            "json" => FileKind::Json,
            "toml" => FileKind::Toml,
            "tf" | "tfvars" | "hcl" => FileKind::Terraform,
            "sh" | "bash" | "zsh" => FileKind::Shell,
            _ => return None,
        })
    }

    fn line_comment(self) -> &'static [&'static str] {
        match self {
            FileKind::Python
            | FileKind::Yaml
            | FileKind::Toml
            | FileKind::Env
            | FileKind::Docker
            | FileKind::Modelfile
            | FileKind::Shell => &["#"],
            FileKind::Terraform => &["#", "//"],
            FileKind::Script | FileKind::Rust | FileKind::Go => &["//"],
            FileKind::Json | FileKind::Notebook => &[],
        }
    }
}

/// One reference found in a text: the byte span of the model id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub reference: ModelRef,
    /// What recognised it: `from_pretrained`, `config-value`, `cli-flag`,
    /// `hf-url`, `ollama-cli`, `modelfile-from`, …
    pub kind: &'static str,
    pub confidence: Confidence,
}

struct Patterns {
    prefilter: Regex,
    call: Regex,
    ollama_call: Regex,
    object_model: Regex,
    assign: Regex,
    flag: Regex,
    revision_flag: Regex,
    revision_value: Regex,
    vllm: Regex,
    hf_cli: Regex,
    url: Regex,
    hf_url: Regex,
    ollama_cli: Regex,
    modelfile_from: Regex,
    ollama_context: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("audit patterns compile");
        Patterns {
            // literals only, so that the regex crate's SIMD literal search
            // (Teddy) dismisses most files at memory speed
            prefilter: re(
                r"model|Model|MODEL|hugging|Hugging|hf\.co|hf://|-hf|hf download|ollama|Ollama|OLLAMA|repo_id|REPO_ID|_download|Sentence|CrossEncoder|vllm|checkpoint|Checkpoint|CHECKPOINT",
            ),
            call: re(
                r"\b(from_pretrained|hf_hub_download|snapshot_download|SentenceTransformer|CrossEncoder|pipeline)\s*\(",
            ),
            ollama_call: re(
                r"\bollama\s*\.\s*(chat|generate|embed|embeddings|pull|show|create|push|copy)\s*\(",
            ),
            object_model: re(r#"\bmodel["']?\s*:\s*["']([^"'\s]+)["']"#),
            assign: re(
                r#"(?m)(?:^|[\s{,(\[])["']?((?:[A-Za-z_][A-Za-z0-9_.\-]*)?(?:model|Model|MODEL|repo_id|REPO_ID|hf_repo|HF_REPO|checkpoint|CHECKPOINT)[A-Za-z0-9_.\-]*)["']?(?:[ \t]*:[ \t]*&(?:'static[ \t]+)?str|[ \t]+string)?[ \t]*(?::=|:|=)[ \t]*["'`]?([A-Za-z0-9][A-Za-z0-9_.\-/:@]*)"#,
            ),
            flag: re(
                r#"(?:^|[\s"'\[,(])--?(model|model-id|model_id|model-name|model_name|hf-repo|hf_repo|hf)(?:=|(?:[\s"',]|-\s)+)["']?([A-Za-z0-9][A-Za-z0-9_.\-/:@]*)"#,
            ),
            revision_flag: re(r#"--revision(?:=|(?:[\s"',]|-\s)+)["']?([A-Za-z0-9][A-Za-z0-9_.\-/]*)"#),
            revision_value: re(r#"\brevision["']?[ \t]*[:=][ \t]*["']([A-Za-z0-9][A-Za-z0-9_.\-/]*)["']"#),
            vllm: re(r#"\bvllm\s+serve\s+["']?([A-Za-z0-9][A-Za-z0-9_.\-/]*)"#),
            hf_cli: re(r#"\b(?:huggingface-cli|hf)\s+download\s+["']?([A-Za-z0-9][A-Za-z0-9_.\-/]*)"#),
            url: re(
                r"https?://(?:www\.)?(?:huggingface\.co|hf\.co)/([A-Za-z0-9][A-Za-z0-9_.\-]*)/([A-Za-z0-9][A-Za-z0-9_.\-]*)(?:/(?:resolve|blob|tree|raw)/([A-Za-z0-9_.\-%]+))?",
            ),
            hf_url: re(
                r"\bhf://([A-Za-z0-9][A-Za-z0-9_.\-]*)/([A-Za-z0-9][A-Za-z0-9_.\-]*)(?:@([A-Za-z0-9_.\-%]+))?",
            ),
            ollama_cli: re(
                r#"\bollama\s+(?:pull|run)(?:\s+--?[A-Za-z][\w-]*)*\s+["']?([A-Za-z0-9][A-Za-z0-9_.\-/:@]*)"#,
            ),
            modelfile_from: re(r"(?im)^[ \t]*FROM[ \t]+(\S+)"),
            ollama_context: re(r"ollama|Ollama|OLLAMA|:11434|/api/chat|/api/generate|/api/embed"),
        }
    })
}

/// First path segments of huggingface.co that are not model repos.
const RESERVED: &[&str] = &[
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
];

/// Directory names that make `X/Y` a path rather than a repo id.
const PATH_DIRS: &[&str] = &[
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

const FILE_EXTS: &[&str] = &[
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
];

/// A Hub model repo id as code writes it: `ORG/NAME`, valid for the Hub,
/// and not a path. Returns the id and whether it is one segment (a legacy
/// id such as `gpt2`, or just as likely a local directory name).
fn hub_id(s: &str) -> Option<(String, bool)> {
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
fn ollama_name(s: &str) -> Option<(String, bool)> {
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

/// Whether the text before `at` on its line opens a line comment (outside
/// string literals), or the line is a `*` continuation of a block comment.
fn in_comment(text: &str, at: usize, kind: FileKind) -> bool {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..at];
    let trimmed = prefix.trim_start();
    if matches!(
        kind,
        FileKind::Script | FileKind::Rust | FileKind::Go | FileKind::Terraform
    ) && (trimmed.starts_with("/*") || trimmed.starts_with("* ") || trimmed == "*")
    {
        return true;
    }
    let markers = kind.line_comment();
    if markers.is_empty() {
        return false;
    }
    let mut quote: Option<char> = None;
    let mut chars = prefix.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match quote {
            Some(q) => {
                if c == '\\' {
                    chars.next();
                } else if c == q {
                    quote = None;
                }
            }
            None => {
                if c == '"' || c == '\'' || c == '`' {
                    quote = Some(c);
                } else if markers.iter().any(|m| prefix[i..].starts_with(m)) {
                    // `#` inside a word (a URL fragment, `C#`) is not a comment
                    let before = prefix[..i].chars().next_back();
                    if c != '#' || before.is_none_or(char::is_whitespace) {
                        return true;
                    }
                }
            }
        }
    }
    false
}

/// One argument of a call: its keyword, and its value when that is a
/// string literal (or literals joined by `+` / juxtaposition).
#[derive(Debug)]
struct Arg {
    key: Option<String>,
    value: Option<(String, usize, usize)>,
}

/// Reads the arguments of a call whose `(` is at `open`, up to its `)`
/// (at most 4 KiB). Returns the arguments and the end of the call.
fn call_args(text: &str, open: usize) -> (Vec<Arg>, usize) {
    let bytes = text.as_bytes();
    let limit = (open + 4096).min(bytes.len());
    let mut args = Vec::new();
    let mut i = open + 1;
    let mut depth = 0usize;
    let mut cur_start = i;
    let mut end = limit;
    let split = |from: usize, to: usize, args: &mut Vec<Arg>| {
        if text[from..to].trim().is_empty() {
            return;
        }
        args.push(parse_arg(text, from, to));
    };
    while i < limit {
        let c = bytes[i];
        match c {
            b'"' | b'\'' | b'`' => {
                let triple = i + 2 < limit && bytes[i + 1] == c && bytes[i + 2] == c;
                let close_len = if triple { 3 } else { 1 };
                i += close_len;
                while i < limit {
                    if bytes[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if bytes[i] == c
                        && (!triple || (i + 2 < limit && bytes[i + 1] == c && bytes[i + 2] == c))
                    {
                        i += close_len;
                        break;
                    }
                    if bytes[i] == b'\n' && !triple && c != b'`' {
                        break;
                    }
                    i += 1;
                }
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                if depth == 0 {
                    end = i;
                    split(cur_start, i, &mut args);
                    break;
                }
                depth -= 1;
            }
            b',' if depth == 0 => {
                split(cur_start, i, &mut args);
                cur_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    (args, end)
}

/// One argument `[key=]value` between `from` and `to`.
fn parse_arg(text: &str, from: usize, to: usize) -> Arg {
    let raw = &text[from..to];
    let lead = raw.len() - raw.trim_start().len();
    let mut body_start = from + lead;
    let mut key = None;
    // `key=value` (Python) or `key: value` (an object literal)
    let trimmed = raw.trim_start();
    let ident_len = trimmed
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(trimmed.len());
    if ident_len > 0 {
        let after = trimmed[ident_len..].trim_start();
        if (after.starts_with('=') && !after.starts_with("==")) || after.starts_with(':') {
            key = Some(trimmed[..ident_len].to_owned());
            let rest_off = trimmed.len() - after.len() + 1;
            let rest = &trimmed[rest_off..];
            body_start = from + lead + rest_off + (rest.len() - rest.trim_start().len());
        }
    }
    let body = text[body_start..to].trim_end();
    let value = literal_concat(body).map(|(s, a, b)| (s, body_start + a, body_start + b));
    Arg { key, value }
}

/// A string literal, or literals joined by `+` or juxtaposed (Python's
/// implicit concatenation): the joined text and the span of the content.
fn literal_concat(body: &str) -> Option<(String, usize, usize)> {
    let mut out = String::new();
    let mut first = None;
    let mut last;
    let mut rest = body;
    let mut offset = 0;
    loop {
        let t = rest.trim_start();
        offset += rest.len() - t.len();
        let q = t.chars().next()?;
        if !matches!(q, '"' | '\'' | '`') {
            return None;
        }
        let inner = &t[1..];
        let close = inner.find(q)?;
        let content = &inner[..close];
        if content.contains('\\') || (q == '`' && content.contains("${")) {
            return None;
        }
        out.push_str(content);
        first.get_or_insert(offset + 1);
        last = offset + 1 + close;
        let after = &inner[close + 1..];
        offset += 1 + close + 1;
        let a = after.trim_start();
        if a.is_empty() {
            break;
        }
        if let Some(next) = a.strip_prefix('+') {
            offset += after.len() - next.len();
            rest = next;
        } else if a.starts_with(['"', '\'']) {
            offset += after.len() - a.len();
            rest = a;
        } else {
            return None;
        }
    }
    Some((out, first?, last))
}

/// Finds every model reference in `text`.
pub fn scan(text: &str, kind: FileKind) -> Vec<Hit> {
    let p = patterns();
    if kind != FileKind::Modelfile && !p.prefilter.is_match(text) {
        return Vec::new();
    }
    let ollama_ctx = p.ollama_context.is_match(text);
    let mut hits: Vec<Hit> = Vec::new();
    let conf = |at: usize, guess: bool| {
        if guess || in_comment(text, at, kind) {
            Confidence::Low
        } else {
            Confidence::High
        }
    };

    // model-loading calls
    for m in p.call.captures_iter(text) {
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
            "hf_hub_download" | "snapshot_download" => kw(&["repo_id"]).or_else(positional),
            "SentenceTransformer" | "CrossEncoder" => {
                kw(&["model_name_or_path", "model_name"]).or_else(positional)
            }
            _ => kw(&["pretrained_model_name_or_path", "model_id"]).or_else(positional),
        };
        let repo_type = kw(&["repo_type"])
            .and_then(|a| a.value.as_ref())
            .map(|v| v.0.clone());
        if repo_type.is_some_and(|t| t != "model") {
            continue;
        }
        let Some((value, start, end)) = chosen.and_then(|a| a.value.clone()) else {
            continue;
        };
        let revision = kw(&["revision"])
            .and_then(|a| a.value.as_ref())
            .map(|v| v.0.clone());
        if let Some((repo, one)) = hub_id(&value) {
            let kind_name = match func {
                "from_pretrained" => "from_pretrained",
                "hf_hub_download" => "hf_hub_download",
                "snapshot_download" => "snapshot_download",
                "pipeline" => "pipeline",
                _ => "sentence-transformers",
            };
            hits.push(Hit {
                start,
                end,
                reference: ModelRef::Hf { repo, revision },
                kind: kind_name,
                confidence: conf(start, one),
            });
        }
    }

    // Ollama API calls: ollama.chat(model=…), ollama.pull('…'), JS objects
    for m in p.ollama_call.captures_iter(text) {
        let open = m.get(0).map_or(0, |g| g.end() - 1);
        let (args, _) = call_args(text, open);
        let direct = args
            .iter()
            .find(|a| a.key.as_deref() == Some("model"))
            .or_else(|| args.iter().find(|a| a.key.is_none() && a.value.is_some()))
            .and_then(|a| a.value.clone());
        let in_object = || {
            let (_, end) = call_args(text, open);
            let body = &text[open..end.max(open)];
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
                    kind: "ollama-api",
                    confidence: conf(start, false),
                });
            }
        }
    }

    // `ollama pull NAME`, `ollama run NAME`
    for m in p.ollama_cli.captures_iter(text) {
        let Some(g) = m.get(1) else { continue };
        if let Some((name, _)) = ollama_name(g.as_str()) {
            let end = g.start() + name.len();
            hits.push(Hit {
                start: g.start(),
                end,
                reference: ModelRef::Ollama { name },
                kind: "ollama-cli",
                confidence: conf(g.start(), false),
            });
        }
    }

    // Modelfile `FROM name` (not a local file)
    if kind == FileKind::Modelfile {
        for m in p.modelfile_from.captures_iter(text) {
            let Some(g) = m.get(1) else { continue };
            let v = g.as_str();
            let lower = v.to_ascii_lowercase();
            let file_like = [".gguf", ".bin", ".safetensors"]
                .iter()
                .any(|e| lower.ends_with(e));
            if file_like {
                continue;
            }
            if let Some((name, _)) = ollama_name(v) {
                hits.push(Hit {
                    start: g.start(),
                    end: g.end(),
                    reference: ModelRef::Ollama { name },
                    kind: "modelfile-from",
                    confidence: conf(g.start(), false),
                });
            }
        }
    }

    // serving CLIs: vllm serve ID, hf download ID, --model ID, -hf ID
    for (re, kind_name) in [(&p.vllm, "vllm-serve"), (&p.hf_cli, "hf-cli")] {
        for m in re.captures_iter(text) {
            let Some(g) = m.get(1) else { continue };
            let line = line_of(text, g.start());
            if kind_name == "hf-cli"
                && line.contains("--repo-type")
                && !line.contains("--repo-type model")
            {
                continue;
            }
            if let Some((repo, one)) = hub_id(g.as_str()) {
                hits.push(Hit {
                    start: g.start(),
                    end: g.start() + repo.len(),
                    reference: ModelRef::Hf {
                        repo,
                        revision: revision_near(text, g.start(), &p.revision_flag),
                    },
                    kind: kind_name,
                    confidence: conf(g.start(), one),
                });
            }
        }
    }
    for m in p.flag.captures_iter(text) {
        let (Some(flag), Some(g)) = (m.get(1), m.get(2)) else {
            continue;
        };
        let v = g.as_str();
        let hf_flag = matches!(flag.as_str(), "hf-repo" | "hf_repo" | "hf");
        // llama.cpp's `-hf ORG/REPO:QUANT` names a quantization after `:`
        let repo_part = if hf_flag {
            v.split(':').next().unwrap_or(v)
        } else {
            v
        };
        if let Some((repo, one)) =
            hub_id(repo_part).filter(|_| hf_flag || repo_part.contains('/') || !v.contains(':'))
        {
            if !(ollama_ctx && v.contains(':') && !hf_flag) {
                hits.push(Hit {
                    start: g.start(),
                    end: g.start() + repo.len(),
                    reference: ModelRef::Hf {
                        repo,
                        revision: revision_near(text, g.start(), &p.revision_flag),
                    },
                    kind: "cli-flag",
                    confidence: conf(g.start(), one),
                });
                continue;
            }
        }
        if ollama_ctx && !hf_flag {
            if let Some((name, tagged)) = ollama_name(v) {
                hits.push(Hit {
                    start: g.start(),
                    end: g.end(),
                    reference: ModelRef::Ollama { name },
                    kind: "cli-flag",
                    confidence: conf(g.start(), !tagged),
                });
            }
        }
    }

    // URLs: https://huggingface.co/ORG/NAME[/resolve/REV/…], hf://ORG/NAME[@REV]
    for m in p.url.captures_iter(text) {
        let (Some(org), Some(name)) = (m.get(1), m.get(2)) else {
            continue;
        };
        if RESERVED.contains(&org.as_str().to_ascii_lowercase().as_str()) {
            continue;
        }
        let id = format!("{}/{}", org.as_str(), name.as_str());
        if let Ok(r) = RepoId::parse(&id) {
            hits.push(Hit {
                start: org.start(),
                end: name.end(),
                reference: ModelRef::Hf {
                    repo: r.as_str().to_owned(),
                    revision: m.get(3).map(|g| g.as_str().replace("%2F", "/")),
                },
                kind: "hf-url",
                confidence: conf(org.start(), false),
            });
        }
    }
    for m in p.hf_url.captures_iter(text) {
        let (Some(org), Some(name)) = (m.get(1), m.get(2)) else {
            continue;
        };
        if ["datasets", "spaces", "buckets"].contains(&org.as_str()) {
            continue;
        }
        let id = format!("{}/{}", org.as_str(), name.as_str());
        if let Ok(r) = RepoId::parse(&id) {
            hits.push(Hit {
                start: org.start(),
                end: name.end(),
                reference: ModelRef::Hf {
                    repo: r.as_str().to_owned(),
                    revision: m.get(3).map(|g| g.as_str().replace("%2F", "/")),
                },
                kind: "hf-url",
                confidence: conf(org.start(), false),
            });
        }
    }

    // config values: `model_id: ORG/NAME`, MODEL_NAME=…, "model": "llama3.1:8b"
    for m in p.assign.captures_iter(text) {
        let (Some(key), Some(g)) = (m.get(1), m.get(2)) else {
            continue;
        };
        if !model_key(key.as_str()) {
            continue;
        }
        let v = g.as_str();
        if v.contains("://") {
            continue;
        }
        if v.contains('/') && !v.starts_with("hf.co/") && !(ollama_ctx && v.contains(':')) {
            if let Some((repo, _)) = hub_id(v) {
                hits.push(Hit {
                    start: g.start(),
                    end: g.start() + repo.len(),
                    reference: ModelRef::Hf {
                        repo,
                        revision: revision_near(text, g.start(), &p.revision_value),
                    },
                    kind: "config-value",
                    confidence: conf(g.start(), false),
                });
            }
            continue;
        }
        if let Some((name, tagged)) = ollama_name(v) {
            // a tag in a file that talks to Ollama is an Ollama model; a
            // bare name (`gpt-4o`, `mistral`) is only a guess
            let sure = ollama_ctx && (tagged || v.starts_with("hf.co/"));
            if ollama_ctx || tagged {
                hits.push(Hit {
                    start: g.start(),
                    end: g.end(),
                    reference: ModelRef::Ollama { name },
                    kind: "config-value",
                    confidence: conf(g.start(), !sure),
                });
            }
        }
    }

    // one hit per place: the most specific recogniser wins
    hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
    hits.dedup_by(|b, a| b.start < a.end);
    hits
}

/// Keys whose value names a model.
fn model_key(key: &str) -> bool {
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

fn line_of(text: &str, at: usize) -> &str {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    &text[start..end]
}

/// The text of the logical item around `at`: for a command line, its `\`
/// continuations and, in a YAML list, the neighbouring `- ` items; in a
/// config block, the lines up to a blank line or the next list item. At
/// most 12 lines each way.
fn item_around(text: &str, at: usize, command: bool) -> &str {
    let line_start = |pos: usize| text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line_end = |pos: usize| text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    let line = |start: usize| text[start..line_end(start)].trim_end_matches('\r');
    let item = |start: usize| line(start).trim_start().starts_with("- ");
    let blank = |start: usize| line(start).trim().is_empty();
    let cont = |start: usize| line(start).trim_end().ends_with('\\');
    let (mut first, mut last) = (line_start(at), line_start(at));
    for _ in 0..12 {
        if first == 0 {
            break;
        }
        let p = line_start(first - 1);
        let joins = if command {
            cont(p) || (item(first) && item(p))
        } else {
            !blank(p) && !item(first)
        };
        if !joins {
            break;
        }
        first = p;
    }
    for _ in 0..12 {
        let end = line_end(last);
        if end >= text.len() {
            break;
        }
        let n = end + 1;
        let joins = if command {
            cont(last) || (item(last) && item(n))
        } else {
            !blank(n) && !item(n)
        };
        if !joins {
            break;
        }
        last = n;
    }
    &text[first..line_end(last)]
}

/// The revision the same command (`--revision X`) or config block
/// (`revision: "X"`) gives.
fn revision_near(text: &str, at: usize, re: &Regex) -> Option<String> {
    let command = re.as_str().starts_with("--revision");
    re.captures(item_around(text, at, command))
        .and_then(|c| c.get(1))
        .map(|g| g.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(text: &str, kind: FileKind) -> Vec<(String, &'static str, Confidence)> {
        scan(text, kind)
            .into_iter()
            .map(|h| {
                let r = match &h.reference {
                    ModelRef::Hf { repo, revision } => match revision {
                        Some(rev) => format!("hf:{repo}@{rev}"),
                        None => format!("hf:{repo}"),
                    },
                    ModelRef::Ollama { name } => format!("ollama:{name}"),
                };
                assert!(text[h.start..h.end].len() > 1);
                (r, h.kind, h.confidence)
            })
            .collect()
    }

    use Confidence::{High, Low};

    #[test]
    fn python_calls() {
        let t = r#"
tok = AutoTokenizer.from_pretrained("meta-llama/Llama-3.1-8B-Instruct", revision="0e9e39f249a16976918f6564b8830bc894c89659")
model = PeftModel.from_pretrained(base, "org/adapter")
p = pipeline("text-generation", model="Qwen/Qwen2.5-7B-Instruct")
path = hf_hub_download(repo_id="TheBloke/Llama-2-7B-GGUF", filename="x.gguf")
ds = snapshot_download("org/data", repo_type="dataset")
emb = SentenceTransformer("sentence-transformers/all-MiniLM-L6-v2")
x = AutoModel.from_pretrained("meta-llama/" + "Llama-3.2-1B")
y = AutoModel.from_pretrained("./local/dir")
z = AutoModel.from_pretrained(name)
# old = AutoModel.from_pretrained("org/commented-out")
g = AutoModel.from_pretrained("gpt2")
open("data/train/x.csv")
"#;
        assert_eq!(
            refs(t, FileKind::Python),
            [
                (
                    "hf:meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659"
                        .into(),
                    "from_pretrained",
                    High
                ),
                ("hf:org/adapter".into(), "from_pretrained", High),
                ("hf:Qwen/Qwen2.5-7B-Instruct".into(), "pipeline", High),
                (
                    "hf:TheBloke/Llama-2-7B-GGUF".into(),
                    "hf_hub_download",
                    High
                ),
                (
                    "hf:sentence-transformers/all-MiniLM-L6-v2".into(),
                    "sentence-transformers",
                    High
                ),
                ("hf:meta-llama/Llama-3.2-1B".into(), "from_pretrained", High),
                ("hf:org/commented-out".into(), "from_pretrained", Low),
                ("hf:gpt2".into(), "from_pretrained", Low),
            ]
        );
    }

    #[test]
    fn configs_flags_and_urls() {
        let yaml = "model_id: mistralai/Mistral-7B-Instruct-v0.3\nrevision: \"v0.3\"\ndata_dir: data/train\nmodel_path: models/llama\nargs:\n  - --model\n  - Qwen/Qwen2.5-0.5B\n";
        assert_eq!(
            refs(yaml, FileKind::Yaml),
            [
                (
                    "hf:mistralai/Mistral-7B-Instruct-v0.3@v0.3".into(),
                    "config-value",
                    High
                ),
                ("hf:Qwen/Qwen2.5-0.5B".into(), "cli-flag", High),
            ]
        );
        let sh = "vllm serve meta-llama/Llama-3.1-8B-Instruct --revision v1.0\nllama-server -hf ggml-org/gemma-3-1b-it-GGUF:Q4_K_M\nhf download org/x --repo-type dataset\ncurl -L https://huggingface.co/TheBloke/Mistral-GGUF/resolve/main/m.gguf\necho https://huggingface.co/datasets/org/d https://huggingface.co/docs/hub\n";
        assert_eq!(
            refs(sh, FileKind::Shell),
            [
                (
                    "hf:meta-llama/Llama-3.1-8B-Instruct@v1.0".into(),
                    "vllm-serve",
                    High
                ),
                ("hf:ggml-org/gemma-3-1b-it-GGUF".into(), "cli-flag", High),
                ("hf:TheBloke/Mistral-GGUF@main".into(), "hf-url", High),
            ]
        );
        let rs = "const RERANK_MODEL: &str = \"BAAI/bge-small-en-v1.5\";\n";
        assert_eq!(
            refs(rs, FileKind::Rust),
            [("hf:BAAI/bge-small-en-v1.5".into(), "config-value", High)]
        );
        let go = "\tmodelID := \"org/m\"\n\tvar embedModel string = \"org/e\"\n";
        assert_eq!(
            refs(go, FileKind::Go),
            [
                ("hf:org/m".into(), "config-value", High),
                ("hf:org/e".into(), "config-value", High)
            ]
        );
        let env = "MODEL_NAME=BAAI/bge-small-en-v1.5\nOPENAI_MODEL=gpt-4o\n";
        assert_eq!(
            refs(env, FileKind::Env),
            [("hf:BAAI/bge-small-en-v1.5".into(), "config-value", High)]
        );
    }

    #[test]
    fn ollama() {
        let docker =
            "FROM ollama/ollama:0.5\nRUN ollama serve & sleep 2 && ollama pull llama3.1:8b\n";
        assert_eq!(
            refs(docker, FileKind::Docker),
            [("ollama:llama3.1:8b".into(), "ollama-cli", High)]
        );
        let py = "import ollama\nr = ollama.chat(model='qwen2.5:7b', messages=[])\nbody = {\"model\": \"llama3.2:3b\", \"prompt\": p}\nother = {\"model\": \"gpt-4o\"}\n";
        assert_eq!(
            refs(py, FileKind::Python),
            [
                ("ollama:qwen2.5:7b".into(), "ollama-api", High),
                ("ollama:llama3.2:3b".into(), "config-value", High),
                ("ollama:gpt-4o".into(), "config-value", Low),
            ]
        );
        let js = "const r = await ollama.chat({ model: 'mistral', messages })\n";
        assert_eq!(
            refs(js, FileKind::Script),
            [("ollama:mistral".into(), "ollama-api", High)]
        );
        let mf = "FROM llama3.2:1b\nPARAMETER temperature 0.2\n";
        assert_eq!(
            refs(mf, FileKind::Modelfile),
            [("ollama:llama3.2:1b".into(), "modelfile-from", High)]
        );
        assert!(refs("FROM ./model.gguf\n", FileKind::Modelfile).is_empty());
    }

    #[test]
    fn literals_and_comments() {
        assert_eq!(literal_concat(r#""a/" + "b""#), Some(("a/b".into(), 1, 9)));
        assert_eq!(literal_concat(r#""a" x"#), None);
        assert!(in_comment("x = 1  # see org/x", 10, FileKind::Python));
        assert!(!in_comment("x = \"#not\" org/x", 12, FileKind::Python));
        assert!(!in_comment("url = a#b org/x", 10, FileKind::Python));
        assert!(in_comment("// org/x", 3, FileKind::Script));
    }
}
