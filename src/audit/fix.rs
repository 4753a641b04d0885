//! `audit --fix`: the unlocked references models.toml lacks, as entries to
//! add (once per source, named as `add` names them, with the revision the
//! references pin when they agree on one).

use super::judged::Judged;
use super::status::Status;
use super::Confidence;
use crate::manifest::{self, edit, Manifest};
use crate::source::Source;
use serde::Serialize;

/// An entry `--fix` adds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Addition {
    pub name: String,
    pub source: String,
    pub revision: Option<String>,
}

/// What to add for the high-confidence unlocked references of the
/// product (uses, configuration, deployments) that no entry names and that
/// parse as sources, in the order found.
pub fn additions(m: &Manifest, judged: &[Judged]) -> Vec<Addition> {
    let mut names: Vec<String> = m
        .models
        .iter()
        .map(|e| e.name.to_ascii_lowercase())
        .collect();
    let mut wanted: Vec<(String, Source, Vec<String>)> = Vec::new();
    for j in judged {
        // only what the product runs, recognised for sure: never a model
        // a comment or a test names, never a guess
        if j.verdict.status != Status::Unlocked
            || j.verdict.entry.is_some()
            || j.finding.confidence != Confidence::High
            || !j.finding.kind.is_product()
        {
            continue;
        }
        let r = &j.finding.reference;
        let source_text = r.source();
        let Ok(source) = Source::parse(&source_text) else {
            continue;
        };
        let rev = r
            .revision()
            .filter(|rev| manifest::revision_problem(&source, rev).is_none())
            .map(str::to_owned);
        match wanted
            .iter_mut()
            .find(|(s, _, _)| s.eq_ignore_ascii_case(&source_text))
        {
            Some((_, _, revs)) => revs.extend(rev),
            None => wanted.push((source_text, source, rev.into_iter().collect())),
        }
    }
    let mut out = Vec::new();
    for (source_text, source, mut revs) in wanted {
        revs.sort();
        revs.dedup();
        let revision = match revs.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        };
        let base = source.suggested_name();
        let mut name = base.clone();
        let mut n = 2;
        while names.contains(&name.to_ascii_lowercase()) {
            name = format!("{base}-{n}");
            n += 1;
        }
        names.push(name.to_ascii_lowercase());
        out.push(Addition {
            name,
            source: source_text,
            revision,
        });
    }
    out
}

/// models.toml's `text` with the additions (as `add` writes entries);
/// `Err` names the entry that could not be added, and why.
pub fn apply(text: &str, additions: &[Addition]) -> Result<String, String> {
    let mut text = text.to_owned();
    for a in additions {
        let entry = edit::NewEntry {
            name: &a.name,
            source: &a.source,
            revision: a.revision.as_deref(),
            files: &[],
            version: None,
            license: None,
            base: None,
        };
        text =
            edit::add_model(&text, &entry).map_err(|e| format!("cannot add `{}`: {e}", a.name))?;
    }
    Ok(text)
}
