//! Phase two: checks across entries (names, bases, policy ids).

use super::diags::*;
use super::Manifest;
use crate::diag::{did_you_mean, Diag};
use crate::license::ids;
use std::collections::HashMap;

pub(crate) fn validate(m: &mut Manifest, diags: &mut Vec<Diag>) {
    check_names(m, diags);
    check_bases(m, diags);
    check_policy(m, diags);
}

fn check_names(m: &Manifest, diags: &mut Vec<Diag>) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, model) in m.models.iter().enumerate() {
        if let Some(&j) = seen.get(&model.name.to_lowercase()) {
            let other = &m.models[j];
            diags.push(
                DuplicateName {
                    file: m.file,
                    name: model.name.clone(),
                    other: other.name.clone(),
                    span: model.name_span.clone(),
                    other_span: other.name_span.clone(),
                }
                .into(),
            );
        } else {
            seen.insert(model.name.to_lowercase(), i);
        }
    }
}

fn check_bases(m: &Manifest, diags: &mut Vec<Diag>) {
    let names: Vec<&str> = m.models.iter().map(|x| x.name.as_str()).collect();
    for model in &m.models {
        let Some(base) = &model.base else { continue };
        if base.value == model.name {
            diags.push(
                BaseCycle {
                    file: m.file,
                    cycle: vec![model.name.clone(), model.name.clone()],
                    span: base.span.clone(),
                }
                .into(),
            );
        } else if !names.contains(&base.value.as_str()) {
            let suggestion = did_you_mean(&base.value, names.iter().copied()).map(str::to_owned);
            diags.push(
                UnknownBase {
                    file: m.file,
                    model: model.name.clone(),
                    base: base.value.clone(),
                    span: base.span.clone(),
                    suggestion,
                }
                .into(),
            );
        }
    }
    // Cycles longer than one: follow each chain; report each cycle once,
    // at the entry whose name sorts first.
    for start in &m.models {
        let mut chain = vec![start.name.as_str()];
        let mut cur = start;
        while let Some(next) = cur.base.as_ref().and_then(|b| m.model(&b.value)) {
            if next.name == start.name {
                let first = chain.iter().min().copied().unwrap_or_default();
                if chain.len() > 1 && first == start.name {
                    let mut cycle: Vec<String> = chain.iter().map(|s| (*s).to_owned()).collect();
                    cycle.push(start.name.clone());
                    let span = start.base.as_ref().and_then(|b| b.span.clone());
                    diags.push(
                        BaseCycle {
                            file: m.file,
                            cycle,
                            span,
                        }
                        .into(),
                    );
                }
                break;
            }
            if chain.contains(&next.name.as_str()) {
                break; // a cycle not through `start`; reported from its own members
            }
            chain.push(&next.name);
            cur = next;
        }
    }
}

fn check_policy(m: &Manifest, diags: &mut Vec<Diag>) {
    for (list, ids_) in [
        ("policy.allow", &m.policy.allow),
        ("policy.deny", &m.policy.deny),
        ("use.agreements", &m.usage.agreements),
    ] {
        for id in ids_.iter() {
            if ids::is_known(&id.value) {
                continue;
            }
            if let Some(suggestion) = did_you_mean(&ids::canonical(&id.value), ids::known_ids()) {
                diags.push(
                    PolicyTypo {
                        file: m.file,
                        list,
                        id: id.value.clone(),
                        suggestion,
                        span: id.span.clone(),
                    }
                    .into(),
                );
            }
        }
    }
    for deny in &m.policy.deny {
        if let Some(allow) = m
            .policy
            .allow
            .iter()
            .find(|a| ids::same(&a.value, &deny.value))
        {
            diags.push(
                AllowAndDeny {
                    file: m.file,
                    id: deny.value.clone(),
                    allow_span: allow.span.clone(),
                    deny_span: deny.span.clone(),
                }
                .into(),
            );
        }
    }
}

/// What is wrong with an entry `add` would write: an invalid or taken
/// name (`rename` says how to choose another), a revision the source does
/// not take, a glob that does not compile. Empty when it can be added.
pub fn new_entry(
    manifest: &Manifest,
    entry: &super::edit::NewEntry<'_>,
    source: &crate::source::Source,
    rename: &str,
) -> Vec<Diag> {
    use crate::diag::Code;
    let name = entry.name;
    let mut problems: Vec<Diag> = Vec::new();
    if !super::is_valid_name(name) {
        problems.push(
            InvalidName {
                file: manifest.file,
                name: name.to_owned(),
                span: None,
            }
            .into(),
        );
    }
    if let Some(existing) = manifest
        .models
        .iter()
        .find(|m| m.name.eq_ignore_ascii_case(name))
    {
        problems.push(
            Diag::error(
                Code::ManifestDuplicateName,
                format!("models.toml already has a model named `{}`", existing.name),
            )
            .with_model(existing.name.clone())
            .with_label(manifest.file, existing.anchor(), "already here")
            .with_help(rename),
        );
    }
    if let Some(rev) = entry.revision {
        if let Some((reason, help)) = super::revision_problem(source, rev) {
            problems.push(
                Diag::error(
                    Code::ManifestInvalidRevision,
                    format!("invalid revision `{rev}`: {reason}"),
                )
                .with_help(help),
            );
        }
    }
    for glob in entry.files {
        if let Err(e) = super::compile_glob(glob) {
            problems.push(
                Diag::error(
                    Code::ManifestInvalidGlob,
                    format!("invalid glob `{glob}`: {e}"),
                )
                .with_help("globs use `*`, `?`, `**`, `[abc]` and `{a,b}`, e.g. `*.safetensors`"),
            );
        }
    }
    problems
}
