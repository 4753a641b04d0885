//! `modellock check`: the CI and pre-commit gate. Offline: it reads only
//! models.toml and models.lock.

use super::{load_manifest_and_lock, Context};
use crate::diag::{self, Diag, Files};
use crate::license::{store, Store, StoreGaps};
use crate::lock::{self, stale, StaleKind};
use crate::output::short_id;
use crate::policy::{self, Standing};
use serde_json::json;
use std::collections::HashMap;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Never touch the network (check never does today; the flag makes
    /// that a promise for CI and pre-commit).
    #[arg(long)]
    pub offline: bool,
}

pub fn run(ctx: &Context, _args: &CheckArgs) -> u8 {
    let mut files = Files::new();
    let mut diags = Vec::new();
    let (manifest, lock, lock_file) = match load_manifest_and_lock(ctx, &mut files, &mut diags) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };

    let today = ctx.today;
    let store = Store::beside(&manifest.path);
    let mut seen_texts = HashMap::new();
    let mut standings: HashMap<&str, Standing> = HashMap::new();
    let mut statuses = Vec::new();
    let mut lines = Vec::new();
    for entry in &manifest.models {
        diags.extend(policy::floating_revision(&manifest, entry));
        let Some(locked) = lock.model(&entry.name) else {
            diags.push(
                lock::Stale {
                    model: entry.name.clone(),
                    manifest_file: manifest.file,
                    manifest_span: entry.anchor(),
                    lock_file,
                    lock_span: None,
                    kind: StaleKind::NotLocked,
                }
                .into(),
            );
            statuses.push(json!({"name": entry.name, "status": "not-locked"}));
            continue;
        };
        let differences = stale::differences(entry, locked);
        if !differences.is_empty() {
            diags.push(
                lock::Stale {
                    model: entry.name.clone(),
                    manifest_file: manifest.file,
                    manifest_span: entry.source.span.clone(),
                    lock_file,
                    lock_span: locked.span.clone(),
                    kind: StaleKind::Changed(differences),
                }
                .into(),
            );
            statuses.push(json!({"name": entry.name, "status": "stale"}));
            continue;
        }
        let (standing, d) =
            policy::evaluate(&manifest, entry, locked, lock_file, today, Some(&store));
        diags.extend(d);
        standings.insert(entry.name.as_str(), standing.clone());
        // what the card declared, from the terms the lock names
        let declared = store.declared_license(&locked.license_digest);
        diags.extend(policy::card_mismatch(
            &manifest,
            entry,
            locked,
            lock_file,
            declared.as_deref(),
        ));
        let gaps = store::gaps(&store, locked, &mut seen_texts);
        if !gaps.is_empty() {
            diags.extend(Vec::<Diag>::from(StoreGaps {
                model: entry.name.clone(),
                gaps,
                file: manifest.file,
                entry_span: entry.anchor(),
                lock_file,
                lock_span: locked.span.clone(),
            }));
        }
        if ctx.out.verbose {
            lines.push(format!(
                "{:>12} {} ({}, {}) at {}",
                format!("{standing:?}").to_lowercase(),
                entry.name,
                locked.license.as_deref().unwrap_or("no license"),
                short_id(&locked.license_digest),
                short_id(&locked.revision),
            ));
        }
        statuses.push(json!({
            "name": entry.name,
            "status": match standing {
                Standing::Denied => "denied",
                Standing::Allowed => "allowed",
                Standing::Reviewed => "reviewed",
                Standing::Unreviewed => "unreviewed",
            },
            "license": locked.license,
            "license-digest": locked.license_digest,
            "revision": locked.revision,
        }));
    }
    // lineage: every ancestor acceptable, or locked and reviewed itself
    let standing_of = |repo: &str| -> Option<Standing> {
        manifest.models.iter().find_map(|e| match &e.source.value {
            crate::source::Source::Hf(r) if r.as_str().eq_ignore_ascii_case(repo) => {
                standings.get(e.name.as_str()).cloned()
            }
            _ => None,
        })
    };
    for entry in &manifest.models {
        if let Some(locked) = lock.model(&entry.name) {
            if standings.contains_key(entry.name.as_str()) {
                diags.extend(policy::lineage(
                    &manifest,
                    entry,
                    locked,
                    lock_file,
                    standings.get(entry.name.as_str()),
                    &standing_of,
                ));
                diags.extend(policy::use_conflicts(&manifest, entry, &lock, lock_file));
            }
        }
    }
    for locked in &lock.models {
        if manifest.model(&locked.name).is_none() {
            diags.push(
                lock::Stale {
                    model: locked.name.clone(),
                    manifest_file: manifest.file,
                    manifest_span: None,
                    lock_file,
                    lock_span: locked.span.clone(),
                    kind: StaleKind::NotInManifest,
                }
                .into(),
            );
        }
    }

    let mut extra = serde_json::Map::new();
    extra.insert("models".into(), serde_json::Value::Array(statuses));
    ctx.out
        .report(&diags, &files, Some(manifest.models.len()), extra, &lines);
    diag::exit_status(&diags)
}
