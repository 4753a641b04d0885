//! Recognising model references in the text of a file, in two ways. By
//! what is known ([`known`]): an id of a known Hub publisher anywhere, an
//! Ollama library name anywhere a file talks to Ollama. By where it is
//! written, for ids of any namespace: model-loading calls ([`calls`]),
//! command lines, flags, Modelfiles and URLs ([`cli`]), configuration
//! keys and the defaults code falls back to ([`values`]).
//!
//! Every pattern is a `regex` (finite automata: linear time, no
//! backtracking) run once over the file; call arguments are read by a small
//! scanner that knows string literals and brackets. A reference that is
//! only a guess (a one-part id, an Ollama name without a tag outside an
//! Ollama context) has low confidence; placeholders are not references.

use super::{Confidence, ModelRef};
use regex::Regex;
use std::sync::OnceLock;

mod calls;
mod cli;
mod known;
mod names;
mod syntax;
#[cfg(test)]
mod tests;
mod values;

use names::*;
use syntax::*;

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
    /// Makefiles.
    Make,
    /// Helm and Go templates (`*.tpl`, `*.gotmpl`).
    Template,
    /// Markdown and reStructuredText.
    Markdown,
    /// C, C++, Java, Kotlin, C#, Swift, Ruby, PHP and other code with
    /// `//` or `#` comments.
    OtherCode,
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
            || lower.starts_with("dockerfile_")
            || lower.starts_with("dockerfile-")
            || lower.ends_with(".dockerfile")
            || lower == "containerfile"
        {
            return Some(FileKind::Docker);
        }
        if lower == ".env"
            || lower.starts_with(".env.")
            || lower.ends_with(".env")
            || lower.starts_with("env.")
            || lower.ends_with(".env.example")
            || lower.ends_with(".env.sample")
            || lower.ends_with(".env.template")
        {
            return Some(FileKind::Env);
        }
        if matches!(lower.as_str(), "makefile" | "gnumakefile") || lower.ends_with(".mk") {
            return Some(FileKind::Make);
        }
        let ext = lower.rsplit_once('.').map(|(_, e)| e)?;
        Some(match ext {
            "py" | "pyi" => FileKind::Python,
            "ipynb" => FileKind::Notebook,
            "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" => FileKind::Script,
            "rs" => FileKind::Rust,
            "go" => FileKind::Go,
            "yaml" | "yml" => FileKind::Yaml,
            "json" | "jsonl" | "ndjson" | "har" | "snap" => FileKind::Json,
            "toml" => FileKind::Toml,
            "tf" | "tfvars" | "hcl" => FileKind::Terraform,
            "sh" | "bash" | "zsh" => FileKind::Shell,
            "tpl" | "gotmpl" | "tmpl" | "j2" | "jinja" => FileKind::Template,
            "md" | "mdx" | "rst" | "markdown" => FileKind::Markdown,
            "c" | "cc" | "cpp" | "cxx" | "h" | "hh" | "hpp" | "cu" | "m" | "mm" | "java" | "kt"
            | "kts" | "scala" | "cs" | "swift" | "rb" | "php" | "lua" | "dart" | "zig" | "jl"
            | "r" => FileKind::OtherCode,
            "cfg" | "ini" | "conf" | "properties" => FileKind::Env,
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
            | FileKind::Make
            | FileKind::Shell => &["#"],
            FileKind::Terraform => &["#", "//"],
            FileKind::Script | FileKind::Rust | FileKind::Go | FileKind::OtherCode => &["//"],
            FileKind::Json | FileKind::Notebook | FileKind::Markdown | FileKind::Template => &[],
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
    /// `hf-url`, `ollama-cli`, `modelfile-from`, `known-publisher`, …
    pub via: &'static str,
    pub confidence: Confidence,
    /// Whether it is in a comment or docstring (it documents a model).
    pub documented: bool,
}

struct Patterns {
    call: Regex,
    hf_hub_rs: Regex,
    go_hf_url: Regex,
    id_shaped: Regex,
    quoted_name: Regex,
    bare_value: Regex,
    getenv: Regex,
    shell_default: Regex,
    default_kw: Regex,
    clap_default: Regex,
    constant: Regex,
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
    ollama_url: Regex,
    ollama_page: Regex,
    tagged_name: Regex,
    ollama_listing: Regex,
    ollama_client: Regex,
    modelfile_from: Regex,
    ollama_context: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("audit patterns compile");
        Patterns {
            call: re(
                r"\b(from_pretrained|hf_hub_download|snapshot_download|SentenceTransformer|CrossEncoder|pipeline|LLM|AsyncLLM|EngineArgs|AsyncEngineArgs|load_model|model_info|hf_hub_url|HuggingFaceEmbeddings|HuggingFaceEmbedding|HuggingFaceLLM|HuggingFacePipeline|HuggingFaceEndpoint|TextEmbedding|FlagModel|BGEM3FlagModel|FlagReranker)\s*\(",
            ),
            hf_hub_rs: re(r"(?:\bRepo::(?:model|new|with_revision)|\.model)\s*\(\s*"),
            go_hf_url: re(
                r#"Scheme:\s*"hf"\s*,\s*Host:\s*"([A-Za-z0-9][A-Za-z0-9_.\-]*)"\s*,\s*Path:\s*"/?([A-Za-z0-9][A-Za-z0-9_.\-]*)""#,
            ),
            // ORG/NAME not inside a path or URL (nothing path-like before)
            // the known publishers as literals (an Aho-Corasick search
            // finds them at memory speed), then `/NAME`
            id_shaped: re(&format!(
                r"(?:^|[^A-Za-z0-9_.\-/@:%$~])((?i:{}))/([A-Za-z0-9][A-Za-z0-9_.\-]{{0,95}})",
                known::publisher_alternation()
            )),
            quoted_name: re(r#"["'`]([A-Za-z0-9][A-Za-z0-9._\-]*(?:/[A-Za-z0-9._\-]+)?(?::[A-Za-z0-9._\-]+)?)["'`]"#),
            bare_value: re(
                r"(?m)(?:[=:][ \t]*|^[ \t]*(?:#[ \t]*)?-[ \t]+|^[ \t]*(?:#[ \t]*)?FROM[ \t]+)([a-z0-9][a-z0-9._\-]*(?::[A-Za-z0-9._\-]+)?)[ \t]*(?:#.*)?\r?$",
            ),
            getenv: re(
                r#"\b(?:getenv|environ\.get|env\.get|os\.Getenv|getEnv|process\.env\.get)\s*\(\s*["']([A-Za-z0-9_]+)["']\s*,\s*(?:default\s*=\s*)?["']([^"'\s]+)["']"#,
            ),
            shell_default: re(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?[-=]([^}\s]+)\}"),
            default_kw: re(r#"\b(?:add_argument|option|Option|argument|Field|flag\.String|StringVar)\s*\("#),
            clap_default: re(
                r#"(?s)default_value\s*=\s*"([^"\s]+)"[^\n]*\)\]\s*(?:pub\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*:"#,
            ),
            constant: re(r"^[A-Za-z_][A-Za-z0-9_]*$"),
            ollama_call: re(
                r"\bollama\s*\.\s*(chat|generate|embed|embeddings|pull|show|create|push|copy)\s*\(",
            ),
            object_model: re(r#"\bmodel["']?\s*:\s*["']([^"'\s]+)["']"#),
            assign: re(
                r#"(?m)(?:^|[\s{,(\[])["']?([A-Za-z_][A-Za-z0-9_.\-]*(?i:model|repo_id|hf_repo|hf-repo|checkpoint|ckpt|adapter|tokenizer|llm|reranker|embedder|embedding|embed|generator|teacher|student|draft|lora)[A-Za-z0-9_.\-]*|(?i:model|repo_id|hf_repo|checkpoint|ckpt|adapter|tokenizer|llm|reranker|embedder|embedding|embed|generator|teacher|student|draft|lora)[A-Za-z0-9_.\-]*)["']?(?:[ \t]*:[ \t]*&(?:'static[ \t]+)?str|[ \t]+string|[ \t]*:[ \t]*(?:str|Optional\[str\]|string|String))?[ \t]*(?::=|:|=)[ \t]*(?:\[[ \t]*)?["'`]?([A-Za-z0-9][A-Za-z0-9_.\-/:@]*)"#,
            ),
            flag: re(
                r#"(?:^|[\s"'\[,(])--?(model|model-id|model_id|model-name|model_name|hf-repo|hf_repo|hf|repo|repo-id|repo_id|adapter|adapter-id|adapter_id|lora|tokenizer|base-model|base_model|draft-model|speculative-model|embedding-model|reranker)(?:=|(?:[\s"',]|-\s)+)["']?([A-Za-z0-9][A-Za-z0-9_.\-/:@]*)"#,
            ),
            revision_flag: re(r#"--revision(?:=|(?:[\s"',]|-\s)+)["']?([A-Za-z0-9][A-Za-z0-9_.\-/]*)"#),
            revision_value: re(r#"\brevision["']?[ \t]*[:=][ \t]*["']([A-Za-z0-9][A-Za-z0-9_.\-/]*)["']"#),
            vllm: re(r#"\bvllm\s+serve\s+["']?([A-Za-z0-9][A-Za-z0-9_.\-/]*)"#),
            hf_cli: re(r#"\b(?:huggingface-cli|hf)\s+download\s+["']?([A-Za-z0-9][A-Za-z0-9_.\-/]*)"#),
            url: re(
                r"https?://(?:www\.)?(?:huggingface\.co|hf\.co)/([A-Za-z0-9][A-Za-z0-9_.\-]*)/([A-Za-z0-9][A-Za-z0-9_.\-]*)(?:/(?:resolve|blob|tree|raw)/(refs%2F(?:pr|convert)%2F[A-Za-z0-9_.\-]+|[A-Za-z0-9_.\-%]+))?",
            ),
            hf_url: re(
                r"\b(?:hf|huggingface)://(?:models/)?([A-Za-z0-9][A-Za-z0-9_.\-]*)/([A-Za-z0-9][A-Za-z0-9_.\-]*)(?:@(refs/(?:pr|convert)/[A-Za-z0-9_.\-]+|[A-Za-z0-9_.\-%]+))?",
            ),
            ollama_url: re(r"\bollama://([A-Za-z0-9][A-Za-z0-9_.\-/]*(?::[A-Za-z0-9_.\-]+)?)"),
            ollama_page: re(
                r"https?://(?:www\.)?ollama\.com/library/([a-z0-9][a-z0-9_.\-]*(?::[A-Za-z0-9_.\-]+)?)\b",
            ),
            // a quoted `name:tag` whose tag is a model's (a size, a
            // quantization, `latest`, `instruct`)
            tagged_name: re(
                r#"["'`]([a-z0-9][a-z0-9._\-]*:(?:latest|[0-9.]+[bmkBMK]|e[0-9]+b|[A-Za-z0-9._\-]*(?:[0-9]+[bB]|[qQ][0-9]|fp16|bf16|fp8|nvfp4|instruct|chat|text|vision|it)[A-Za-z0-9._\-]*))["'`]"#,
            ),
            ollama_listing: re(
                r"(?m)^[ \t]*([a-z0-9][a-z0-9._\-]*(?:/[a-z0-9._\-]+)?:[A-Za-z0-9._\-]+)[ \t]+[0-9a-f]{12}[ \t]",
            ),
            ollama_client: re(
                r#"(?m)^[ \t]*(?:from[ \t]+ollama[ \t]+import|import[ \t]+ollama|(?:const|let|var|import)[^\n]*["']ollama["'])"#,
            ),
            ollama_cli: re(
                r#"\bollama\s+(?:pull|run)(?:\s+--?[A-Za-z][\w-]*)*\s+["']?([A-Za-z0-9][A-Za-z0-9_.\-/:@]*)"#,
            ),
            modelfile_from: re(r"(?im)^[ \t]*FROM[ \t]+(\S+)"),
            ollama_context: re(r"(?i)ollama|:11434|/api/chat|/api/generate|/api/embed"),
        }
    })
}

/// Finds every model reference in `text`.
pub fn scan(text: &str, kind: FileKind) -> Vec<Hit> {
    scan_counted(text, kind).0
}

/// At most this many candidate references are looked at on one line, and
/// at most [`MAX_PER_FILE`] in one file: every recogniser stays linear in
/// its input (a crafted line of thousands of references costs no more than
/// this many), and a report stays readable. The rest are counted.
pub const MAX_PER_LINE: usize = 20;
pub const MAX_PER_FILE: usize = 1000;

/// [`scan`], and how many candidates the caps left out.
pub fn scan_counted(text: &str, kind: FileKind) -> (Vec<Hit>, usize) {
    let p = patterns();
    let s = Scan {
        text,
        kind,
        p,
        ollama_ctx: p.ollama_context.is_match(text),
        ollama_client: p.ollama_client.is_match(text),
        line_starts: std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect(),
        seen: Default::default(),
    };
    let mut hits: Vec<Hit> = Vec::new();
    for recognise in [
        calls::calls,
        calls::ollama_calls,
        calls::hf_hub_rs,
        calls::go_hf_url,
        cli::ollama_cli,
        cli::ollama_urls,
        cli::modelfile,
        cli::serving_cli,
        cli::flags,
        cli::urls,
        values::config_values,
        values::defaults,
        known::publisher_ids,
        known::ollama_names,
    ] {
        recognise(&s, &mut hits);
    }

    // one hit per place: the most specific recogniser wins (the first to
    // find the place, in the order above)
    hits.sort_by_key(|h| h.start);
    let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
    for h in hits {
        match kept.last() {
            Some(k) if h.start < k.end => {}
            _ => kept.push(h),
        }
    }
    let mut hits = kept;
    // placeholders are not models; comments and docstrings document them
    hits.retain(|h| match &h.reference {
        ModelRef::Hf { repo, .. } => repo
            .split_once('/')
            .is_none_or(|(org, name)| !is_placeholder(org, name)),
        ModelRef::Ollama { name } => {
            let bare = name.split([':', '@']).next().unwrap_or(name);
            match bare.rsplit_once('/') {
                Some((ns, n)) => !is_placeholder(ns.rsplit('/').next().unwrap_or(ns), n),
                None => !is_placeholder("", bare),
            }
        }
    });
    if !hits.is_empty() {
        let docs = doc_regions(text, kind);
        for h in &mut hits {
            h.documented = docs.iter().any(|(a, b)| *a <= h.start && h.start < *b)
                || in_comment(text, h.start, kind);
        }
    }
    let dropped = s.seen.borrow().dropped;
    (hits, dropped)
}

/// One text being scanned, with what every recogniser needs.
struct Scan<'t> {
    text: &'t str,
    kind: FileKind,
    p: &'static Patterns,
    /// Whether the text talks to Ollama (a bare `name:tag` is then an
    /// Ollama model).
    ollama_ctx: bool,
    /// Whether it imports an Ollama client library (a `model=` there names
    /// an Ollama model, namespaced or not).
    ollama_client: bool,
    line_starts: Vec<usize>,
    seen: std::cell::RefCell<Seen>,
}

/// Candidates looked at so far, per line and in all, and those left out.
#[derive(Default)]
struct Seen {
    per_line: std::collections::HashMap<usize, usize>,
    total: usize,
    dropped: usize,
}

impl Scan<'_> {
    /// Whether a candidate at `at` is looked at: within the caps of its
    /// line and of the file (else it is counted as left out).
    fn admit(&self, at: usize) -> bool {
        let line = self.line_starts.partition_point(|s| *s <= at);
        let mut seen = self.seen.borrow_mut();
        let on_line = seen.per_line.get(&line).copied().unwrap_or(0);
        if on_line >= MAX_PER_LINE || seen.total >= MAX_PER_FILE {
            seen.dropped += 1;
            return false;
        }
        seen.per_line.insert(line, on_line + 1);
        seen.total += 1;
        true
    }

    /// A guess is low-confidence.
    fn conf(&self, _at: usize, guess: bool) -> Confidence {
        if guess {
            Confidence::Low
        } else {
            Confidence::High
        }
    }
}
