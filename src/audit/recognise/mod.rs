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

mod names;
mod syntax;
#[cfg(test)]
mod tests;

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
                r"https?://(?:www\.)?(?:huggingface\.co|hf\.co)/([A-Za-z0-9][A-Za-z0-9_.\-]*)/([A-Za-z0-9][A-Za-z0-9_.\-]*)(?:/(?:resolve|blob|tree|raw)/(refs%2F(?:pr|convert)%2F[A-Za-z0-9_.\-]+|[A-Za-z0-9_.\-%]+))?",
            ),
            hf_url: re(
                r"\bhf://(?:models/)?([A-Za-z0-9][A-Za-z0-9_.\-]*)/([A-Za-z0-9][A-Za-z0-9_.\-]*)(?:@(refs/(?:pr|convert)/[A-Za-z0-9_.\-]+|[A-Za-z0-9_.\-%]+))?",
            ),
            ollama_cli: re(
                r#"\bollama\s+(?:pull|run)(?:\s+--?[A-Za-z][\w-]*)*\s+["']?([A-Za-z0-9][A-Za-z0-9_.\-/:@]*)"#,
            ),
            modelfile_from: re(r"(?im)^[ \t]*FROM[ \t]+(\S+)"),
            ollama_context: re(r"ollama|Ollama|OLLAMA|:11434|/api/chat|/api/generate|/api/embed"),
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
    if kind != FileKind::Modelfile && !p.prefilter.is_match(text) {
        return (Vec::new(), 0);
    }
    let s = Scan {
        text,
        kind,
        p,
        ollama_ctx: p.ollama_context.is_match(text),
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
        calls,
        ollama_calls,
        ollama_cli,
        modelfile,
        serving_cli,
        flags,
        urls,
        config_values,
    ] {
        recognise(&s, &mut hits);
    }

    // one hit per place: the most specific recogniser wins
    hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
    hits.dedup_by(|b, a| b.start < a.end);
    // documentation and placeholders are guesses
    if !hits.is_empty() {
        let docs = doc_regions(text, kind);
        for h in &mut hits {
            let documented = docs.iter().any(|(a, b)| *a <= h.start && h.start < *b);
            let placeholder = match &h.reference {
                ModelRef::Hf { repo, .. } => repo.split_once('/').is_some_and(|(org, _)| {
                    PLACEHOLDER_ORGS.contains(&org.to_ascii_lowercase().as_str())
                }),
                ModelRef::Ollama { .. } => false,
            };
            if documented || placeholder {
                h.confidence = Confidence::Low;
            }
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

    /// A guess, or a reference inside a comment, is low-confidence.
    fn conf(&self, at: usize, guess: bool) -> Confidence {
        if guess || in_comment(self.text, at, self.kind) {
            Confidence::Low
        } else {
            Confidence::High
        }
    }
}

/// Model-loading calls: `from_pretrained(ID)`, `pipeline(model=ID)`,
/// `hf_hub_download(repo_id=ID)`, sentence-transformers.
fn calls(s: &Scan<'_>, hits: &mut Vec<Hit>) {
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
}

/// Ollama API calls: `ollama.chat(model=…)`, `ollama.pull('…')`, JS objects.
fn ollama_calls(s: &Scan<'_>, hits: &mut Vec<Hit>) {
    let (text, p) = (s.text, s.p);
    let conf = |at: usize, guess: bool| s.conf(at, guess);
    for m in p.ollama_call.captures_iter(text) {
        if !s.admit(m.get(0).map_or(0, |g| g.start())) {
            continue;
        }
        let open = m.get(0).map_or(0, |g| g.end() - 1);
        let (args, call_end) = call_args(text, open);
        let direct = args
            .iter()
            .find(|a| a.key.as_deref() == Some("model"))
            .or_else(|| args.iter().find(|a| a.key.is_none() && a.value.is_some()))
            .and_then(|a| a.value.clone());
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
                    kind: "ollama-api",
                    confidence: conf(start, false),
                });
            }
        }
    }
}

/// `ollama pull NAME`, `ollama run NAME`.
fn ollama_cli(s: &Scan<'_>, hits: &mut Vec<Hit>) {
    let (text, p) = (s.text, s.p);
    let conf = |at: usize, guess: bool| s.conf(at, guess);
    for m in p.ollama_cli.captures_iter(text) {
        if !s.admit(m.get(0).map_or(0, |g| g.start())) {
            continue;
        }
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
}

/// A Modelfile's `FROM name` (not a local file).
fn modelfile(s: &Scan<'_>, hits: &mut Vec<Hit>) {
    let (text, p) = (s.text, s.p);
    let conf = |at: usize, guess: bool| s.conf(at, guess);
    if s.kind == FileKind::Modelfile {
        for m in p.modelfile_from.captures_iter(text) {
            if !s.admit(m.get(0).map_or(0, |g| g.start())) {
                continue;
            }
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
}

/// Serving CLIs: `vllm serve ID`, `hf download ID`.
fn serving_cli(s: &Scan<'_>, hits: &mut Vec<Hit>) {
    let (text, p) = (s.text, s.p);
    let conf = |at: usize, guess: bool| s.conf(at, guess);
    for (re, kind_name) in [(&p.vllm, "vllm-serve"), (&p.hf_cli, "hf-cli")] {
        for m in re.captures_iter(text) {
            if !s.admit(m.get(0).map_or(0, |g| g.start())) {
                continue;
            }
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
                        revision: revision_near(text, g.start(), &p.revision_flag, true),
                    },
                    kind: kind_name,
                    confidence: conf(g.start(), one),
                });
            }
        }
    }
}

/// Flags: `--model ID`, `-hf ID` (llama.cpp), an Ollama name where the
/// text talks to Ollama.
fn flags(s: &Scan<'_>, hits: &mut Vec<Hit>) {
    let (text, p, ollama_ctx) = (s.text, s.p, s.ollama_ctx);
    let conf = |at: usize, guess: bool| s.conf(at, guess);
    for m in p.flag.captures_iter(text) {
        if !s.admit(m.get(0).map_or(0, |g| g.start())) {
            continue;
        }
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
                        revision: revision_near(text, g.start(), &p.revision_flag, true),
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
}

/// URLs: `https://huggingface.co/ORG/NAME[/resolve/REV/…]`, `hf://ORG/NAME[@REV]`.
fn urls(s: &Scan<'_>, hits: &mut Vec<Hit>) {
    let (text, p) = (s.text, s.p);
    let conf = |at: usize, guess: bool| s.conf(at, guess);
    for (re, web) in [(&p.url, true), (&p.hf_url, false)] {
        for m in re.captures_iter(text) {
            if !s.admit(m.get(0).map_or(0, |g| g.start())) {
                continue;
            }
            let (Some(org), Some(name)) = (m.get(1), m.get(2)) else {
                continue;
            };
            // a web page of the Hub that is not a model, or an hf:// path
            // into a dataset, Space or bucket
            let not_a_model = if web {
                RESERVED.contains(&org.as_str().to_ascii_lowercase().as_str())
                    || SUBPAGES.contains(&name.as_str())
                    || has_file_ext(name.as_str())
            } else {
                ["datasets", "spaces", "buckets"].contains(&org.as_str())
            };
            if not_a_model {
                continue;
            }
            let id = format!("{}/{}", org.as_str(), name.as_str());
            if let Ok(r) = RepoId::parse(&id) {
                hits.push(Hit {
                    start: org.start(),
                    end: name.end(),
                    reference: ModelRef::Hf {
                        repo: r.as_str().to_owned(),
                        revision: m
                            .get(3)
                            .map(|g| g.as_str().replace("%2F", "/").replace("%2f", "/")),
                    },
                    kind: "hf-url",
                    confidence: conf(org.start(), false),
                });
            }
        }
    }
}

/// Config values: `model_id: ORG/NAME`, `MODEL_NAME=…`,
/// `"model": "llama3.1:8b"`.
fn config_values(s: &Scan<'_>, hits: &mut Vec<Hit>) {
    let (text, p, ollama_ctx) = (s.text, s.p, s.ollama_ctx);
    let conf = |at: usize, guess: bool| s.conf(at, guess);
    for m in p.assign.captures_iter(text) {
        if !s.admit(m.get(0).map_or(0, |g| g.start())) {
            continue;
        }
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
                        revision: revision_near(text, g.start(), &p.revision_value, false),
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
}
