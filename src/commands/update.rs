//! `modellock update [MODEL]... [--dry-run]`: resolve sources and write
//! models.lock atomically — all or nothing.

use super::{load_lock, load_manifest, Context, LockState};
use crate::diag::{Code, Diag, Files};
use crate::env::Env;
use crate::license::compare::{self, Side};
use crate::license::Store;
use crate::lock::{self, Lock, LockedModel};
use crate::manifest::ModelEntry;
use crate::output::short_id;
use crate::policy::gate;
use crate::source::{Failure, Pin, Resolver, Source};
use rayon::prelude::*;
use serde_json::json;
use std::collections::BTreeSet;

/// Models resolved at once by default.
const PARALLEL: usize = 8;

#[derive(Debug, clap::Args)]
pub struct UpdateArgs {
    /// Update only these models (default: all); the rest of the lock is kept byte for byte.
    pub models: Vec<String>,
    /// Print what would change; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Re-resolve and fail (exit 1, with the difference) when models.lock
    /// would change; write nothing. The online CI gate that proves the
    /// lock is what the sources say.
    #[arg(long, conflicts_with_all = ["dry_run", "precise"])]
    pub locked: bool,
    /// How many models to resolve at once.
    #[arg(long, short = 'j', value_name = "N", default_value_t = PARALLEL as u16, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Lock the one MODEL named at this tag or commit: inside its `version`
    /// requirement, or any revision of the branch it follows.
    #[arg(long, value_name = "REV", requires = "models")]
    pub precise: Option<String>,
}

/// How one entry is locked.
enum Plan {
    /// Resolve what the entry asks for now.
    Fresh,
    /// Lock this revision (`--precise`).
    Pinned(Pin),
    /// Keep the locked release: it still satisfies the `version`
    /// requirement (no request is made).
    Keep(Box<LockedModel>),
}

/// The locked entry of a `version` requirement that still satisfies it,
/// with the same source and files, and whose terms the store has: kept as
/// it is (with the requirement as now written).
fn still_satisfied(entry: &ModelEntry, old: Option<&Lock>, store: &Store) -> Option<LockedModel> {
    let req = &entry.version.as_ref()?.value;
    let locked = old?.model(&entry.name)?;
    let version = crate::source::hf::versions::parse_tag(locked.tag.as_deref()?)?;
    let same = locked.source == entry.source_raw
        && locked.include == entry.file_patterns()
        && req.matches(&version)
        && store.terms(&locked.license_digest).found().is_some();
    same.then(|| LockedModel {
        requested: entry.requested(),
        span: None,
        ..locked.clone()
    })
}

pub fn run(ctx: &Context, args: &UpdateArgs) -> u8 {
    let mut files = Files::new();
    let mut diags = Vec::new();
    let Some(manifest) = load_manifest(ctx, &mut files, &mut diags) else {
        return ctx.fail(&diags, &files);
    };
    let old = match load_lock(ctx, &mut files, &mut diags) {
        LockState::Loaded(l, _) => Some(l),
        LockState::Missing => None,
        LockState::Invalid => return ctx.fail(&diags, &files),
    };

    // which entries to resolve
    let mut targets: Vec<&ModelEntry> = Vec::new();
    let mut unknown = Vec::new();
    if args.models.is_empty() {
        targets.extend(&manifest.models);
    } else {
        for name in args.models.iter().collect::<BTreeSet<_>>() {
            match manifest.model(name) {
                Some(e) => targets.push(e),
                None => unknown.push(super::unknown_model(&manifest, name)),
            }
        }
    }
    if !unknown.is_empty() {
        return ctx.fail(&unknown, &files);
    }
    if args.precise.is_some() {
        if targets.len() != 1 {
            let d = Diag::error(
                Code::UsageInvalid,
                "`--precise` locks one model: name exactly one",
            )
            .with_help("modellock update MODEL --precise REV");
            return ctx.fail(&[d], &files);
        }
        if let Some(d) = precise_problem(&manifest, &targets) {
            return ctx.fail(&[d], &files);
        }
    }

    let env = Env::from_process();
    diags.extend(super::token_warning(&env));
    if env.hf_offline {
        if let Some(e) = targets
            .iter()
            .find(|e| matches!(e.source.value, Source::Hf(_)))
        {
            let d = Diag::error(
                Code::SourceOffline,
                "HF_HUB_OFFLINE is set, and update must ask the Hub what each revision is now",
            )
            .with_model(e.name.clone())
            .with_label(manifest.file, e.source.span.clone(), "needs the Hub")
            .with_help("unset HF_HUB_OFFLINE to update; `modellock check` works offline");
            return ctx.fail(&[d], &files);
        }
    }

    let extra = env.fingerprints.clone();
    let mut resolver = Resolver::new(env, &manifest.path);
    match crate::license::identify::Fingerprints::with_extra(extra.as_deref()) {
        Ok(fp) => resolver.fingerprints = fp,
        Err(e) => {
            let d = Diag::error(Code::LicenseFingerprints, e).with_help(
                "MODELLOCK_FINGERPRINTS names a file written by `cargo run --example fingerprints -- DIR --out FILE`; fix or unset it",
            );
            return ctx.fail(&[d], &files);
        }
    }
    // what each entry is locked at: kept, pinned, or resolved now
    let mut plans: Vec<Plan> = Vec::new();
    for e in &targets {
        let plan = match (&args.precise, &e.source.value) {
            (Some(rev), Source::Hf(repo)) => {
                match crate::source::hf::versions::precise(&resolver, e, repo.as_str(), rev) {
                    Ok(pin) => Plan::Pinned(pin),
                    Err(f) => return ctx.fail(&[failure_diag(&manifest, e, f)], &files),
                }
            }
            _ if args.models.is_empty() => {
                match still_satisfied(e, old.as_ref(), &resolver.store) {
                    // --locked proves the kept release: its tag resolved
                    // again, every fact re-derived at that commit
                    Some(kept) if args.locked => match (&e.source.value, &kept.tag) {
                        (Source::Hf(repo), Some(tag)) => {
                            match crate::source::hf::versions::precise(
                                &resolver,
                                e,
                                repo.as_str(),
                                tag,
                            ) {
                                Ok(pin) => Plan::Pinned(pin),
                                Err(f) => {
                                    return ctx.fail(&[failure_diag(&manifest, e, f)], &files)
                                }
                            }
                        }
                        _ => Plan::Fresh,
                    },
                    Some(kept) => Plan::Keep(Box::new(kept)),
                    None => Plan::Fresh,
                }
            }
            _ => Plan::Fresh,
        };
        plans.push(plan);
    }
    let progress = ctx.out.progress(targets.len() as u64, "Resolving");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(usize::from(args.jobs))
        .build();
    let resolve = || -> Vec<(&ModelEntry, Result<LockedModel, Failure>)> {
        targets
            .par_iter()
            .zip(plans.par_iter())
            .map(|(e, plan)| {
                let r = match plan {
                    Plan::Fresh => resolver.lock_entry(e),
                    Plan::Pinned(pin) => resolver.lock_entry_at(e, Some(pin)),
                    Plan::Keep(kept) => Ok((**kept).clone()),
                };
                progress.inc(1);
                (*e, r)
            })
            .collect()
    };
    let results = match pool {
        Ok(pool) => pool.install(resolve),
        Err(_) => resolve(),
    };
    progress.finish_and_clear();

    let mut resolved = Vec::new();
    let mut failures = Vec::new();
    for (entry, result) in results {
        match result {
            Ok(m) => resolved.push(m),
            Err(f) => failures.push(failure_diag(&manifest, entry, f)),
        }
    }
    if !failures.is_empty() {
        failures.sort_by(|a, b| a.model.cmp(&b.model));
        diags.extend(failures);
        return ctx.fail(&diags, &files);
    }

    // the new lock: everything resolved; with names, the rest kept as it was
    let new = if args.models.is_empty() {
        Lock::new(resolved)
    } else {
        let mut new = old.clone().unwrap_or_default();
        for m in resolved {
            new.insert(m);
        }
        new
    };
    let mut changes = describe_changes(old.as_ref(), &new);
    for c in &mut changes {
        if let (Some(o), Some(n), true) = (&c.old, &c.new, c.license_changed()) {
            c.license_summary = license_summary(&resolver, &c.name, o, n);
        }
    }

    let lock_path = ctx.lock_path();
    if args.locked {
        return report_locked(ctx, &manifest, &files, diags, old.as_ref(), &new, &changes);
    }
    // what was written, reported after the changes (all on stdout, in order)
    let mut notes: Vec<String> = Vec::new();
    let written = if args.dry_run {
        false
    } else {
        // the texts first: a lock never names terms the store lacks
        let stored = resolver.pending.write(&resolver.store);
        if let Ok(n @ 1..) = stored {
            notes.push(format!(
                "{:>12} {n} license {} in {}",
                "Stored",
                if n == 1 { "entry" } else { "entries" },
                resolver.store.root().display()
            ));
        }
        if let Err(error) = stored {
            let d = Diag::error(
                Code::LicenseStoreIo,
                format!(
                    "cannot write the license texts to `{}`: {error}",
                    resolver.store.root().display()
                ),
            )
            .with_help(
                "check that the directory beside models.toml is writable; models.lock is unchanged",
            );
            return ctx.fail(&[d], &files);
        }
        resolver.save_texts_to_cache();
        match lock::write_atomic(&lock_path, &new) {
            Ok(outcome) => outcome == lock::WriteOutcome::Written,
            Err(error) => {
                let d: Diag = lock::WriteFailed {
                    path: lock_path,
                    error,
                }
                .into();
                return ctx.fail(&[d], &files);
            }
        }
    };

    let mut lines: Vec<String> = changes.iter().map(|c| c.human(ctx.out.color)).collect();
    if lines.is_empty() {
        lines.push(format!(
            "{:>12} {} up to date",
            "Unchanged",
            match new.models().len() {
                1 => "1 model is".to_owned(),
                n => format!("{n} models are"),
            }
        ));
    }
    lines.extend(notes);
    if args.dry_run {
        lines.push("(dry run: models.lock not written)".to_owned());
    } else if written {
        lines.push(format!("{:>12} {}", "Wrote", lock_path.display()));
    }
    let mut extra = serde_json::Map::new();
    extra.insert(
        "changes".into(),
        serde_json::Value::Array(changes.iter().map(Change::json).collect()),
    );
    extra.insert("written".into(), written.into());
    extra.insert("dry-run".into(), args.dry_run.into());
    // the gate's verdict on the lock as it now stands
    let gate = (!args.dry_run).then(|| {
        let text = lock::render(&new);
        let lock_file = files.add(lock_path.display().to_string(), text.as_str());
        let (parsed, mut d) = lock::parse(&text, lock_file);
        if let Some(l) = parsed {
            d.extend(gate::judge(&manifest, &l, lock_file, &resolver.store, ctx.today).diags);
        }
        d
    });
    ctx.out.report_then_gate(
        &diags,
        &files,
        Some(manifest.models.len()),
        extra,
        &lines,
        0,
        gate.as_deref(),
    );
    0
}

/// `update --locked`: nothing is written; exit 1 with what would change
/// when the sources say something else than models.lock.
fn report_locked(
    ctx: &Context,
    manifest: &crate::manifest::Manifest,
    files: &Files,
    mut diags: Vec<Diag>,
    old: Option<&Lock>,
    new: &Lock,
    changes: &[Change],
) -> u8 {
    let old_text = old.map(lock::render).unwrap_or_default();
    let new_text = lock::render(new);
    if old_text != new_text {
        let diff = similar::TextDiff::from_lines(&old_text, &new_text)
            .unified_diff()
            .context_radius(2)
            .header("models.lock", "models.lock (from the sources)")
            .to_string();
        let what: Vec<String> = changes.iter().map(|c| c.human(false)).collect();
        let names: Vec<&str> = changes.iter().map(|c| c.name.as_str()).collect();
        let help = if old.is_none() {
            "there is no models.lock: run `modellock update` and commit it".to_owned()
        } else {
            format!(
                "{}\n{diff}run `modellock update {}` to take what the sources say, read `modellock check`, and commit models.lock",
                what.join("\n"),
                names.join(" ")
            )
        };
        diags.push(
            Diag::error(
                Code::LockOutdated,
                if old.is_none() {
                    "`update --locked`: there is no models.lock to hold to".to_owned()
                } else {
                    format!(
                        "`update --locked`: models.lock is not what the sources say for {}",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
            )
            .with_help(help),
        );
    }
    let mut extra = serde_json::Map::new();
    extra.insert(
        "changes".into(),
        serde_json::Value::Array(changes.iter().map(Change::json).collect()),
    );
    extra.insert("written".into(), false.into());
    extra.insert("locked".into(), true.into());
    let lines = if crate::diag::has_errors(&diags) {
        Vec::new()
    } else {
        vec![format!(
            "{:>12} models.lock is what the sources say ({} {})",
            "Verified",
            new.models().len(),
            if new.models().len() == 1 {
                "model"
            } else {
                "models"
            }
        )]
    };
    ctx.out
        .report(&diags, files, Some(manifest.models.len()), extra, &lines);
    crate::diag::exit_status(&diags)
}

/// `--precise` takes one `hf:` model.
fn precise_problem(manifest: &crate::manifest::Manifest, targets: &[&ModelEntry]) -> Option<Diag> {
    let [entry] = targets else {
        return None;
    };
    (!matches!(entry.source.value, Source::Hf(_))).then(|| {
        Diag::error(
            Code::SourcePreciseOutside,
            format!(
                "`update --precise` works for hf: models; `{}` is `{}`",
                entry.name, entry.source_raw
            ),
        )
        .with_model(entry.name.clone())
        .with_label(manifest.file, entry.source.span.clone(), "not a Hub model")
        .with_help("for Ollama put the tag or `@sha256:` digest in the source; a path: source has no revisions")
    })
}

pub(super) fn failure_diag(
    manifest: &crate::manifest::Manifest,
    entry: &ModelEntry,
    f: Failure,
) -> Diag {
    let span = if f.at_revision {
        entry
            .revision
            .as_ref()
            .and_then(|r| r.span.clone())
            .or_else(|| entry.version.as_ref().and_then(|v| v.span.clone()))
            .or_else(|| entry.source.span.clone())
    } else {
        entry.source.span.clone()
    };
    Diag::error(
        f.code,
        format!("cannot lock `{}`: {}", entry.name, f.message),
    )
    .with_model(entry.name.clone())
    .with_label(manifest.file, span, "cannot be locked")
    .with_help(f.help)
}

/// What changed for one model between two locks.
struct Change {
    name: String,
    kind: &'static str,
    old: Option<LockedModel>,
    new: Option<LockedModel>,
    /// What changed in the license terms, in substance.
    license_summary: Vec<String>,
}

/// What changed between the old and the new terms of a model, from the
/// texts this run fetched and the store.
fn license_summary(r: &Resolver, name: &str, old: &LockedModel, new: &LockedModel) -> Vec<String> {
    let terms = |digest: &str| {
        r.pending
            .terms(digest)
            .or_else(|| r.store.terms(digest).found())
            .or_else(|| r.text_cache.terms(digest).found())
    };
    let side = |digest: &str| Some(Side::new(terms(digest)?, &|d| r.text(d)));
    match (side(&old.license_digest), side(&new.license_digest)) {
        (Some(a), Some(b)) => compare::compare(&a, &b).summary(),
        _ => vec![format!(
            "the previous terms are not in the license store; `modellock diff {name} --from {}` fetches them",
            old.revision
        )],
    }
}

fn describe_changes(old: Option<&Lock>, new: &Lock) -> Vec<Change> {
    let empty = Lock::default();
    let old = old.unwrap_or(&empty);
    let mut names: BTreeSet<&str> = old.models().iter().map(|m| m.name.as_str()).collect();
    names.extend(new.models().iter().map(|m| m.name.as_str()));
    names
        .into_iter()
        .filter_map(|name| {
            let (o, n) = (old.model(name), new.model(name));
            let kind = match (o, n) {
                (None, Some(_)) => "added",
                (Some(_), None) => "removed",
                (Some(a), Some(b)) if strip(a) != strip(b) => "updated",
                _ => return None,
            };
            Some(Change {
                name: name.to_owned(),
                kind,
                old: o.cloned(),
                new: n.cloned(),
                license_summary: Vec::new(),
            })
        })
        .collect()
}

fn strip(m: &LockedModel) -> LockedModel {
    LockedModel {
        span: None,
        ..m.clone()
    }
}

impl Change {
    fn license_changed(&self) -> bool {
        match (&self.old, &self.new) {
            (Some(a), Some(b)) => a.license_digest != b.license_digest || a.license != b.license,
            _ => false,
        }
    }

    fn file_changes(&self) -> (usize, usize, usize) {
        let (Some(a), Some(b)) = (&self.old, &self.new) else {
            return (0, 0, 0);
        };
        let added = b
            .files
            .iter()
            .filter(|f| !a.files.iter().any(|g| g.path == f.path))
            .count();
        let removed = a
            .files
            .iter()
            .filter(|f| !b.files.iter().any(|g| g.path == f.path))
            .count();
        let changed = b
            .files
            .iter()
            .filter(|f| {
                a.files
                    .iter()
                    .any(|g| g.path == f.path && g.sha256 != f.sha256)
            })
            .count();
        (added, removed, changed)
    }

    fn human(&self, color: bool) -> String {
        let paint = |code: &str, s: String| {
            if color {
                format!("\x1b[{code}m{s}\x1b[0m")
            } else {
                s
            }
        };
        let lic = |m: &LockedModel| m.license.clone().unwrap_or_else(|| "no license".into());
        match (&self.old, &self.new) {
            (None, Some(n)) => format!(
                "{} {} at {}: {} files, {}",
                paint("1;32", format!("{:>12}", "Adding")),
                self.name,
                short_id(&n.revision),
                n.files.len(),
                lic(n)
            ),
            (Some(_), None) => format!(
                "{} {}",
                paint("1;33", format!("{:>12}", "Removing")),
                self.name
            ),
            (Some(o), Some(n)) => {
                let mut s = format!(
                    "{} {}",
                    paint("1;32", format!("{:>12}", "Updating")),
                    self.name
                );
                if o.revision != n.revision {
                    s.push_str(&format!(
                        ": {} → {}",
                        short_id(&o.revision),
                        short_id(&n.revision)
                    ));
                }
                if let Some(t) = &n.tag {
                    s.push_str(&format!(" ({t})"));
                }
                let (a, r, c) = self.file_changes();
                if a + r + c > 0 {
                    s.push_str(&format!(
                        "\n{:>12} files: {a} added, {r} removed, {c} changed",
                        ""
                    ));
                }
                if self.license_changed() {
                    let ids = if lic(o) == lic(n) {
                        lic(n)
                    } else {
                        format!("{} → {}", lic(o), lic(n))
                    };
                    s.push_str(&format!(
                        "\n{} the license terms of `{}` changed: {ids}, {} → {}",
                        paint("1;31", format!("{:>12}", "LICENSE")),
                        self.name,
                        short_id(&o.license_digest),
                        short_id(&n.license_digest),
                    ));
                    for line in &self.license_summary {
                        s.push_str(&format!("\n{:>12}   {line}", ""));
                    }
                    s.push_str(&format!(
                        "\n{:>12} run `modellock diff {}` to read the change; `modellock check` fails until it is reviewed",
                        "", self.name
                    ));
                }
                s
            }
            (None, None) => String::new(),
        }
    }

    fn json(&self) -> serde_json::Value {
        let side = |m: &Option<LockedModel>| {
            m.as_ref().map(|m| json!({"revision": m.revision, "license": m.license, "license-digest": m.license_digest, "files": m.files.len()}))
        };
        let (a, r, c) = self.file_changes();
        json!({
            "name": self.name,
            "change": self.kind,
            "old": side(&self.old),
            "new": side(&self.new),
            "files": {"added": a, "removed": r, "changed": c},
            "license-changed": self.license_changed(),
            "license-summary": self.license_summary,
        })
    }
}
