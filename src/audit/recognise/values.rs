//! Configuration values and defaults: `model_id: ORG/NAME`, `MODEL=…`,
//! `"model": "llama3.1:8b"`, and the defaults code falls back to —
//! `os.getenv("MODEL", …)`, argparse and click `default=`, clap
//! `default_value`, shell `${LLM-llama2}`.

use super::names::*;
use super::syntax::*;
use super::{Hit, Scan};
use crate::audit::ModelRef;

/// Config values: `model_id: ORG/NAME`, `MODEL_NAME=…`,
/// `"model": "llama3.1:8b"`.
pub(super) fn config_values(s: &Scan<'_>, hits: &mut Vec<Hit>) {
    for m in s.p.assign.captures_iter(s.text) {
        if !s.admit(m.get(0).map_or(0, |g| g.start())) {
            continue;
        }
        let (Some(key), Some(g)) = (m.get(1), m.get(2)) else {
            continue;
        };
        if !model_key(key.as_str()) {
            continue;
        }
        // a type or a call (`= Model{…}`, `= load(…)`), not a value
        if s.text[g.end()..].starts_with(['{', '(']) {
            continue;
        }
        hits.extend(value_ref(
            s,
            key.as_str(),
            g.as_str(),
            g.start(),
            "config-value",
        ));
        // a list of models: every literal of it
        let after_key = &s.text[key.end()..g.start()];
        if after_key.contains('[') {
            let open = key.end() + after_key.find('[').unwrap_or(0);
            let (items, _) = call_args(s.text, open);
            for item in items.iter().skip(1).take(50) {
                if let Some((v, start, _)) = &item.value {
                    hits.extend(value_ref(s, key.as_str(), v, *start, "config-value"));
                }
            }
        }
    }
}

/// The model a value given to `key` names, if the key names models.
fn value_ref(s: &Scan<'_>, key: &str, v: &str, start: usize, via: &'static str) -> Option<Hit> {
    let (text, p, ollama_ctx) = (s.text, s.p, s.ollama_ctx);
    if !model_key(key) || v.contains("://") {
        return None;
    }
    // the name of a model being made (`ollama.create(model="mario", from_=…)`)
    if matches!(
        enclosing_call(text, start).as_deref(),
        Some("create" | "copy" | "push")
    ) && matches!(key, "model" | "destination" | "name")
    {
        return None;
    }
    // a namespaced name given to an Ollama client is an Ollama model
    // unless its namespace publishes on the Hub
    let ollama_namespaced = s.ollama_client
        && v.split_once('/')
            .is_some_and(|(ns, _)| !super::known::is_publisher(ns));
    let ollama_tagged = ollama_ctx && v.contains(':');
    let hub_shaped = v.contains('/') && !v.starts_with("hf.co/");
    // a Hub-shaped id nothing claims for Ollama, or a one-part id where
    // nothing says Ollama: the Hub's (a legacy id such as `gpt2` for sure,
    // another one-part id a guess)
    if (hub_shaped && !ollama_tagged && !ollama_namespaced) || (!ollama_ctx && !v.contains(':')) {
        let (repo, guess) = hub_id(v)?;
        return Some(Hit {
            start,
            end: start + repo.len(),
            reference: ModelRef::Hf {
                repo,
                revision: revision_near(text, start, &p.revision_value, false),
            },
            via,
            documented: false,
            confidence: s.conf(start, guess),
        });
    }
    let (name, tagged) = ollama_name(v)?;
    // a tag, or a library name, in a file that talks to Ollama is an
    // Ollama model; a bare name elsewhere (`gpt-4o`, `mistral`) a guess
    let model_like = super::known::is_ollama_model_like(v);
    let sure =
        (ollama_ctx && (tagged || v.starts_with("hf.co/") || model_like)) || (tagged && model_like);
    if !(ollama_ctx || tagged) {
        return None;
    }
    Some(Hit {
        start,
        end: start + v.len(),
        reference: ModelRef::Ollama { name },
        via,
        documented: false,
        confidence: s.conf(start, !sure),
    })
}

/// The defaults code falls back to: `os.getenv("MODEL", "…")`, shell
/// `${LLM-llama2}`, argparse / click / typer / pydantic `default=`, Go
/// `flag.String("model", "…", …)`, clap `default_value = "…"`.
pub(super) fn defaults(s: &Scan<'_>, hits: &mut Vec<Hit>) {
    let text = s.text;
    for (re, via) in [
        (&s.p.getenv, "env-default"),
        (&s.p.shell_default, "env-default"),
    ] {
        for m in re.captures_iter(text) {
            let (Some(key), Some(v)) = (m.get(1), m.get(2)) else {
                continue;
            };
            if s.admit(v.start()) {
                hits.extend(value_ref(s, key.as_str(), v.as_str(), v.start(), via));
            }
        }
    }
    for m in s.p.default_kw.find_iter(text) {
        if !s.admit(m.start()) {
            continue;
        }
        let open = m.end() - 1;
        let (args, _) = call_args(text, open);
        let call = &text[m.start()..open];
        // the option's name: its longest flag, else its first string, else
        // the name it is assigned to (`model: str = Field(default=…)`)
        let flags: Vec<&str> = args
            .iter()
            .filter(|a| a.key.is_none())
            .filter_map(|a| a.value.as_ref().map(|v| v.0.as_str()))
            .collect();
        let key = flags
            .iter()
            .filter(|f| f.starts_with('-'))
            .max_by_key(|f| f.len())
            .or(flags.first())
            .map(|k| k.trim_start_matches('-').to_owned())
            .or_else(|| key_before(text, m.start()));
        let Some(key) = key else { continue };
        let value = args
            .iter()
            .find(|a| {
                matches!(
                    a.key.as_deref(),
                    Some("default" | "default_value" | "value")
                )
            })
            .and_then(|a| a.value.clone())
            .or_else(|| {
                // Go's flag.String(name, value, usage)
                call.starts_with("flag.String")
                    .then(|| args.get(1).and_then(|a| a.value.clone()))
                    .flatten()
            });
        if let Some((v, start, _)) = value {
            hits.extend(value_ref(s, &key, &v, start, "option-default"));
        }
    }
    for m in s.p.clap_default.captures_iter(text) {
        let (Some(v), Some(field)) = (m.get(1), m.get(2)) else {
            continue;
        };
        if s.admit(v.start()) {
            hits.extend(value_ref(
                s,
                field.as_str(),
                v.as_str(),
                v.start(),
                "option-default",
            ));
        }
    }
}
