//! Command lines and Modelfiles: `ollama pull|run`, `vllm serve`,
//! `hf download`, `--model` flags, a Modelfile's `FROM`, and URLs of the Hub.

use super::names::*;
use super::syntax::*;
use super::{FileKind, Hit, Scan};
use crate::audit::ModelRef;
use crate::source::hf::RepoId;

/// `ollama pull NAME`, `ollama run NAME`.
pub(super) fn ollama_cli(s: &Scan<'_>, hits: &mut Vec<Hit>) {
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
                via: "ollama-cli",
                documented: false,
                confidence: conf(g.start(), false),
            });
        }
    }
}

/// A Modelfile's `FROM name` (not a local file).
pub(super) fn modelfile(s: &Scan<'_>, hits: &mut Vec<Hit>) {
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
                    via: "modelfile-from",
                    documented: false,
                    confidence: conf(g.start(), false),
                });
            }
        }
    }
}

/// Serving CLIs: `vllm serve ID`, `hf download ID`.
pub(super) fn serving_cli(s: &Scan<'_>, hits: &mut Vec<Hit>) {
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
                    via: kind_name,
                    documented: false,
                    confidence: conf(g.start(), one),
                });
            }
        }
    }
}

/// Flags: `--model ID`, `-hf ID` (llama.cpp), an Ollama name where the
/// text talks to Ollama.
pub(super) fn flags(s: &Scan<'_>, hits: &mut Vec<Hit>) {
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
        // `add_argument("--model", type=str, default=…)`: the word after
        // the flag is a keyword, not its value (the default is read by
        // `values::defaults`)
        if text[g.end()..]
            .trim_start_matches([' ', '\t'])
            .starts_with('=')
            && !text[g.end()..].starts_with("==")
        {
            continue;
        }
        let hf_flag = matches!(flag.as_str(), "hf-repo" | "hf_repo" | "hf");
        // llama.cpp's `-hf ORG/REPO:QUANT` names a quantization after `:`
        let repo_part = if hf_flag {
            v.split(':').next().unwrap_or(v)
        } else {
            v
        };
        // where the text talks to Ollama, a one-part name shaped as a
        // library model is an Ollama model
        let ollama_like = ollama_ctx
            && !hf_flag
            && !repo_part.contains('/')
            && super::known::is_ollama_model_like(v);
        if let Some((repo, one)) = hub_id(repo_part)
            .filter(|_| hf_flag || repo_part.contains('/') || !v.contains(':'))
            .filter(|_| !ollama_like)
        {
            if !(ollama_ctx && v.contains(':') && !hf_flag) {
                hits.push(Hit {
                    start: g.start(),
                    end: g.start() + repo.len(),
                    reference: ModelRef::Hf {
                        repo,
                        revision: revision_near(text, g.start(), &p.revision_flag, true),
                    },
                    via: "cli-flag",
                    documented: false,
                    confidence: conf(g.start(), one),
                });
                continue;
            }
        }
        if ollama_ctx && !hf_flag {
            if let Some((name, tagged)) = ollama_name(v) {
                let sure = tagged || super::known::is_ollama_model_like(v);
                hits.push(Hit {
                    start: g.start(),
                    end: g.end(),
                    reference: ModelRef::Ollama { name },
                    via: "cli-flag",
                    documented: false,
                    confidence: conf(g.start(), !sure),
                });
            }
        }
    }
}

/// URLs: `https://huggingface.co/ORG/NAME[/resolve/REV/…]`, `hf://ORG/NAME[@REV]`.
pub(super) fn urls(s: &Scan<'_>, hits: &mut Vec<Hit>) {
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
                    via: "hf-url",
                    documented: false,
                    confidence: conf(org.start(), false),
                });
            }
        }
    }
}

/// `ollama://NAME[:TAG]` (llama.cpp's `llama-run`), a model's page
/// `https://ollama.com/library/NAME`, and the NAME:TAG column
/// of `ollama list` / `ollama ps` output in a file that talks to Ollama.
pub(super) fn ollama_urls(s: &Scan<'_>, hits: &mut Vec<Hit>) {
    let listing = if s.ollama_ctx {
        Some(&s.p.ollama_listing)
    } else {
        None
    };
    for (re, via) in [
        (&s.p.ollama_url, "ollama-url"),
        (&s.p.ollama_page, "ollama-url"),
    ]
    .into_iter()
    .chain(listing.map(|r| (r, "ollama-listing")))
    {
        for m in re.captures_iter(s.text) {
            let Some(g) = m.get(1) else { continue };
            if !s.admit(g.start()) {
                continue;
            }
            if let Some((name, _)) = ollama_name(g.as_str()) {
                hits.push(Hit {
                    start: g.start(),
                    end: g.end(),
                    reference: ModelRef::Ollama { name },
                    via,
                    documented: false,
                    confidence: s.conf(g.start(), false),
                });
            }
        }
    }
}
