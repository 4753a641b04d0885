//! `modellock outdated [MODEL]...`: for every model, what is locked, the
//! newest revision its requirement allows and the newest that exists at
//! all — and for each candidate, whether its license terms differ from the
//! locked ones, from its license files only (never the weights). Nothing
//! is written.

use super::update::failure_diag;
use super::{load_manifest_and_lock, unknown_model, Context};
use crate::diag::{Diag, Files};
use crate::env::Env;
use crate::license::compare::{self, Side};
use crate::license::Store;
use crate::lock::LockedModel;
use crate::manifest::ModelEntry;
use crate::output::short_id;
use crate::source::hf::{self, versions};
use crate::source::{Failure, FetchedTerms, Resolver, Source};
use rayon::prelude::*;
use serde_json::{json, Value};

#[derive(Debug, clap::Args)]
pub struct OutdatedArgs {
    /// Only these models (default: every model in models.toml).
    pub models: Vec<String>,
    /// Exit 1 when any model is outdated (for a scheduled CI job).
    #[arg(long)]
    pub exit_code: bool,
    /// How many models to look up at once.
    #[arg(long, short = 'j', value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
}

/// A revision newer than the locked one.
struct Candidate {
    /// `v2.0.0`, `main@1a2b3c4d5e6f`, `latest@sha256:…`.
    label: String,
    tag: Option<String>,
    revision: String,
    license: Option<String>,
    license_digest: String,
    /// What changed in the terms since the locked ones (empty: the same).
    changes: Vec<String>,
}

impl Candidate {
    fn json(&self) -> Value {
        json!({
            "label": self.label,
            "tag": self.tag,
            "revision": self.revision,
            "license": self.license,
            "license-digest": self.license_digest,
            "license-changed": !self.changes.is_empty(),
            "what-changed": self.changes,
        })
    }

    /// What a person reads about a candidate: whether its terms differ,
    /// how, and the command to read them.
    fn lines(&self, model: &str, how: &str) -> Vec<String> {
        if self.changes.is_empty() {
            return vec![format!(
                "{model} {} ({how}): the same license terms",
                self.label
            )];
        }
        let mut out = vec![format!("{model} {} ({how}): license changes:", self.label)];
        out.extend(self.changes.iter().map(|c| format!("  - {c}")));
        out.push(format!(
            "  read them before you take it: modellock diff {model} --to {}",
            self.tag.as_deref().unwrap_or(&self.revision)
        ));
        out
    }
}

/// One model's row.
struct Row<'a> {
    entry: &'a ModelEntry,
    locked: Option<&'a LockedModel>,
    compatible: Option<Candidate>,
    latest: Option<Candidate>,
    /// Why there is nothing to compare (not locked, a local directory).
    note: Option<&'static str>,
}

impl Row<'_> {
    fn outdated(&self) -> bool {
        self.compatible.is_some() || self.latest.is_some()
    }

    fn json(&self) -> Value {
        json!({
            "name": self.entry.name,
            "source": self.entry.source_raw,
            "requested": self.entry.requested(),
            "locked": self.locked.map(|l| json!({
                "tag": l.tag,
                "revision": l.revision,
                "license": l.license,
                "license-digest": l.license_digest,
            })),
            "compatible": self.compatible.as_ref().map(Candidate::json),
            "latest": self.latest.as_ref().map(Candidate::json),
            "outdated": self.outdated(),
            "note": self.note,
        })
    }
}

fn locked_label(l: &LockedModel) -> String {
    match &l.tag {
        Some(t) => format!("{t} ({})", short_id(&l.revision)),
        None => match l.requested.as_deref() {
            Some(r) if r != l.revision && !hf::is_commit(r) => {
                format!("{r}@{}", short_id(&l.revision))
            }
            _ => short_id(&l.revision).to_owned(),
        },
    }
}

/// Looks a candidate's terms up (license files only) and compares them
/// with the locked ones.
fn candidate(
    r: &Resolver,
    store: &Store,
    entry: &ModelEntry,
    locked: &LockedModel,
    label: String,
    tag: Option<String>,
    revision: &str,
) -> Result<Candidate, Failure> {
    let fetched: FetchedTerms = r.terms_at(entry, revision)?;
    let digest = fetched.terms.digest();
    let changes = if digest == locked.license_digest && fetched.license == locked.license {
        Vec::new()
    } else {
        match store.terms(&locked.license_digest).found() {
            Some(old) => {
                let old = Side::new(old, &|d| r.text(d));
                let new = Side {
                    terms: fetched.terms.clone(),
                    texts: fetched.texts.clone(),
                };
                let mut s = compare::compare(&old, &new).summary();
                if s.is_empty() {
                    s.push(format!(
                        "license {} → {}",
                        locked.license.as_deref().unwrap_or("none"),
                        fetched.license.as_deref().unwrap_or("none")
                    ));
                }
                s
            }
            None => vec![format!(
                "the terms differ ({} → {}); the locked texts are not in .modellock/ to say how",
                short_id(&locked.license_digest),
                short_id(&digest)
            )],
        }
    };
    Ok(Candidate {
        label,
        tag,
        revision: fetched.revision.clone(),
        license: fetched.license.clone(),
        license_digest: digest,
        changes,
    })
}

fn look_up<'a>(
    r: &Resolver,
    store: &Store,
    entry: &'a ModelEntry,
    locked: Option<&'a LockedModel>,
) -> Result<Row<'a>, Failure> {
    let mut row = Row {
        entry,
        locked,
        compatible: None,
        latest: None,
        note: None,
    };
    let Some(l) = locked else {
        row.note = Some("not locked: run `modellock update`");
        return Ok(row);
    };
    let cand = |label: String, tag: Option<String>, rev: &str| {
        candidate(r, store, entry, l, label, tag, rev)
    };
    match &entry.source.value {
        Source::Path(_) => row.note = Some("a local directory: nothing upstream"),
        Source::Hf(repo) => {
            let repo = repo.as_str();
            if let Some(req) = &entry.version {
                let tagged = versions::list(r, repo)?;
                let best = versions::best(&tagged, &req.value);
                let newest = versions::newest(&tagged);
                if let Some(b) = best.filter(|b| b.commit != l.revision) {
                    row.compatible = Some(cand(b.tag.clone(), Some(b.tag.clone()), &b.commit)?);
                }
                if let Some(n) = newest.filter(|n| n.commit != l.revision && Some(*n) != best) {
                    row.latest = Some(cand(n.tag.clone(), Some(n.tag.clone()), &n.commit)?);
                }
            } else {
                let requested = entry.requested().unwrap_or_else(|| "main".to_owned());
                if hf::is_pinned(&requested) {
                    // pinned: the newest release, if it is not this one
                    let tagged = versions::list(r, repo)?;
                    let locked_version = l
                        .tag
                        .as_deref()
                        .or(Some(&requested))
                        .and_then(versions::parse_tag);
                    if let Some(n) = versions::newest(&tagged).filter(|n| {
                        n.commit != l.revision
                            && locked_version.as_ref().is_none_or(|v| &n.version > v)
                    }) {
                        row.latest = Some(cand(n.tag.clone(), Some(n.tag.clone()), &n.commit)?);
                    }
                } else {
                    // a branch: has it moved?
                    let head = versions::commit_of(r, repo, &requested)?;
                    if head != l.revision {
                        let label = format!("{requested}@{}", short_id(&head));
                        row.compatible = Some(cand(label, None, &head)?);
                    }
                }
            }
        }
        Source::Ollama(n) => {
            // the tag now; a pinned digest is compared with its tag's head
            let c = cand(n.tag.clone(), Some(n.tag.clone()), &n.tag)?;
            if c.revision != l.revision {
                let c = Candidate {
                    label: format!("{}@{}", n.tag, short_id(&c.revision)),
                    ..c
                };
                if entry.revision.is_some() || n.digest.is_some() {
                    row.latest = Some(c);
                } else {
                    row.compatible = Some(c);
                }
            }
        }
    }
    Ok(row)
}

pub fn run(ctx: &Context, args: &OutdatedArgs) -> u8 {
    let mut files = Files::new();
    let mut diags = Vec::new();
    let (manifest, lock, _) = match load_manifest_and_lock(ctx, &mut files, &mut diags) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let unknown: Vec<Diag> = args
        .models
        .iter()
        .filter(|n| manifest.model(n).is_none())
        .map(|n| unknown_model(&manifest, n))
        .collect();
    if !unknown.is_empty() {
        return ctx.fail(&unknown, &files);
    }
    let entries: Vec<&ModelEntry> = manifest
        .models
        .iter()
        .filter(|e| args.models.is_empty() || args.models.contains(&e.name))
        .collect();

    let env = Env::from_process();
    diags.extend(super::token_warning(&env));
    if env.hf_offline
        && entries
            .iter()
            .any(|e| matches!(e.source.value, Source::Hf(_)))
    {
        let d = Diag::error(
            crate::diag::Code::SourceOffline,
            "HF_HUB_OFFLINE is set, and outdated must ask the Hub what is new",
        )
        .with_help("unset HF_HUB_OFFLINE to look for new revisions");
        return ctx.fail(&[d], &files);
    }
    let resolver = Resolver::new(env, &manifest.path);
    let store = Store::beside(&manifest.path);
    let progress = ctx.out.progress(entries.len() as u64, "Checking");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(usize::from(args.jobs))
        .build();
    let work = || -> Vec<Result<Row<'_>, Diag>> {
        entries
            .par_iter()
            .map(|e| {
                let r = look_up(&resolver, &store, e, lock.model(&e.name))
                    .map_err(|f| failure_diag(&manifest, e, f));
                progress.inc(1);
                r
            })
            .collect()
    };
    let results = match pool {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    };
    progress.finish_and_clear();
    let mut rows = Vec::new();
    for r in results {
        match r {
            Ok(row) => rows.push(row),
            Err(d) => diags.push(d),
        }
    }
    if crate::diag::has_errors(&diags) {
        return ctx.fail(&diags, &files);
    }

    let outdated = rows.iter().filter(|r| r.outdated()).count();
    let mut lines = table(&rows);
    let mut notes: Vec<String> = Vec::new();
    for r in &rows {
        let name = &r.entry.name;
        if let Some(c) = &r.compatible {
            notes.extend(c.lines(name, &format!("`modellock update {name}` takes it")));
        }
        if let Some(c) = &r.latest {
            let how = match &r.entry.version_raw {
                Some(v) => format!("outside `{v}`: change `version` to take it"),
                None => "change `revision` to take it".to_owned(),
            };
            notes.extend(c.lines(name, &how));
        }
    }
    if !notes.is_empty() {
        lines.push(String::new());
        lines.extend(notes);
    }
    lines.push(String::new());
    lines.push(if outdated == 0 {
        format!("All {} models are up to date", rows.len())
    } else {
        match outdated {
            1 => format!("1 of {} models has a newer revision", rows.len()),
            n => format!("{n} of {} models have newer revisions", rows.len()),
        }
    });
    let mut extra = serde_json::Map::new();
    extra.insert("models".into(), rows.iter().map(Row::json).collect());
    extra.insert("outdated".into(), outdated.into());
    let status = u8::from(args.exit_code && outdated > 0);
    // the table alone when there is nothing to warn about
    if ctx.out.format == crate::output::Format::Human && diags.is_empty() {
        let mut text = lines.join("\n");
        text.push('\n');
        crate::output::print_stdout(&text);
    } else {
        ctx.out.report_with_status(
            &diags,
            &files,
            Some(manifest.models.len()),
            extra,
            &lines,
            status,
        );
    }
    status
}

/// The table: model, locked, compatible, latest.
fn table(rows: &[Row<'_>]) -> Vec<String> {
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|r| {
            let locked = r.locked.map(locked_label).unwrap_or_else(|| "—".into());
            let compat = match (&r.compatible, r.note) {
                (Some(c), _) => c.label.clone(),
                (None, Some(_)) => "—".into(),
                (None, None) => "=".into(),
            };
            let latest = match (&r.latest, &r.compatible, r.note) {
                (Some(c), _, _) => c.label.clone(),
                (None, Some(c), _) => c.label.clone(),
                (None, None, Some(n)) => n.to_owned(),
                (None, None, None) => "=".into(),
            };
            [r.entry.name.clone(), locked, compat, latest]
        })
        .collect();
    let head = ["Model", "Locked", "Compatible", "Latest"].map(str::to_owned);
    crate::output::columns(&[vec![head], cells].concat())
}
