//! `modellock update [MODEL]... [--dry-run | --locked]`: resolve sources and
//! write models.lock atomically — all or nothing — then give the gate's
//! verdict on the lock written.

use super::Context;
use crate::diag::{self, Diag, Files};
use crate::env::Env;
use crate::lock::{self, Lock};
use crate::manifest::{Manifest, ModelEntry};
use crate::policy::gate;
use crate::project::{LockNeed, Project};
use crate::report::{self, update::Report};
use crate::resolve::changes;
use crate::resolve::plan::Mode;
use crate::resolve::{diags, Resolver};

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

pub fn run(ctx: &Context, args: &UpdateArgs) -> u8 {
    // a run that writes holds the project's lock from before it reads
    let _lock = if args.dry_run || args.locked {
        None
    } else {
        match ctx.lock_project() {
            Ok(l) => Some(l),
            Err(status) => return status,
        }
    };
    let Project {
        manifest,
        lock: old,
        files,
        mut diags,
        ..
    } = match ctx.load(LockNeed::Optional) {
        Ok(p) => p,
        Err(status) => return status,
    };
    let old = old.map(|(l, _)| l);
    let env = Env::from_process();
    diags.extend(super::token_warning(&env));
    let (targets, resolver) = match prepare(&manifest, args, env) {
        Ok(t) => t,
        Err(d) => return ctx.fail(&d, &files),
    };

    // what each entry is locked at, then everything resolved at once
    let mode = match (&args.precise, args.models.is_empty()) {
        (Some(rev), _) => Mode::Precise(rev),
        (None, true) => Mode::All {
            locked: args.locked,
        },
        (None, false) => Mode::Named,
    };
    let progress = ctx.out.progress(targets.len() as u64, "Resolving");
    let resolved = resolver.update(
        &targets,
        old.as_ref(),
        &mode,
        usize::from(args.jobs),
        &progress,
    );
    progress.finish_and_clear();
    let new = match resolved {
        Ok(new) => new,
        Err(failed) => {
            let mut failures: Vec<Diag> = failed
                .into_iter()
                .map(|(e, f)| report::failure(&manifest, e, f))
                .collect();
            failures.sort_by(|a, b| a.model.cmp(&b.model));
            diags.extend(failures);
            return ctx.fail(&diags, &files);
        }
    };
    // entries models.toml no longer has leave the lock (`remove`), whichever
    // models are updated
    let new = Lock::new(
        new.into_models()
            .into_iter()
            .filter(|m| manifest.model(&m.name).is_some())
            .collect(),
    );
    let mut new = new;
    // the documents the terms incorporate, read for every model updated
    let names: Vec<&str> = targets.iter().map(|e| e.name.as_str()).collect();
    let unread = resolver.lock_documents(&mut new, old.as_ref(), &names, usize::from(args.jobs));
    diags.extend(unread.iter().map(|u| u.diag(&manifest)));
    let changes = changes::between(old.as_ref(), &new, resolver.texts());
    let models = Some(manifest.models.len());
    if args.locked {
        // nothing is written: exit 1 with the difference when the lock is
        // not what the sources say
        let verified = report::update::locked(old.as_ref(), &new, &changes);
        let line = verified.as_ref().ok().cloned();
        diags.extend(verified.err());
        let lines: Vec<String> = line
            .filter(|_| !diag::has_errors(&diags))
            .into_iter()
            .collect();
        let extra = crate::output::fields(&Report {
            changes: &changes,
            written: false,
            dry_run: None,
            locked: Some(true),
        });
        ctx.out.report(&diags, &files, models, extra, &lines);
        return diag::exit_status(&diags);
    }

    let (written, notes) = if args.dry_run {
        (false, vec!["(dry run: models.lock not written)".to_owned()])
    } else {
        match resolver.commit(&ctx.lock_path(), &new) {
            Ok((stored, written)) => {
                // the texts of the models that left, which no other uses
                if let Some(old) = &old {
                    use crate::resolve::prune;
                    let removed = resolver
                        .texts()
                        .store
                        .prune(&prune::gone(old, &new), &prune::keep(&new, &manifest));
                    if removed > 0 {
                        ctx.out.status(
                            "Pruned",
                            &format!(
                                "{removed} entries of .modellock/ that no model uses any more"
                            ),
                        );
                    }
                }
                let store = resolver.texts().store.root();
                let notes =
                    report::update::written(stored, store, written.then(|| ctx.lock_path()));
                (written, notes)
            }
            Err(d) => return ctx.fail(&[d], &files),
        }
    };
    let lines = report::update::lines(&changes, &new, ctx.out.color, notes);
    let extra = crate::output::fields(&Report {
        changes: &changes,
        written,
        dry_run: Some(args.dry_run),
        locked: None,
    });
    // the gate's verdict on the lock as it now stands
    let mut files = files;
    let gate = (!args.dry_run).then(|| verdict(ctx, &manifest, &new, &resolver, &mut files));
    ctx.out
        .report_then_gate(&diags, &files, models, extra, &lines, 0, gate.as_deref());
    0
}

/// What `check` finds on the lock written, read back as `check` reads it.
fn verdict(
    ctx: &Context,
    manifest: &Manifest,
    new: &Lock,
    resolver: &Resolver,
    files: &mut Files,
) -> Vec<Diag> {
    let text = lock::render(new);
    let lock_file = files.add(ctx.lock_path().display().to_string(), text.as_str());
    let (parsed, mut d) = lock::parse(&text, lock_file);
    if let Some(l) = parsed {
        let store = &resolver.texts().store;
        d.extend(gate::judge(manifest, &l, lock_file, store, ctx.today).diags);
    }
    d
}

/// The entries to resolve, and the resolver, once the arguments and the
/// environment allow the update.
fn prepare<'m>(
    manifest: &'m Manifest,
    args: &UpdateArgs,
    env: Env,
) -> Result<(Vec<&'m ModelEntry>, Resolver), Vec<Diag>> {
    let targets = super::select(manifest, &args.models)?;
    let precise = args
        .precise
        .as_ref()
        .and_then(|_| diags::precise_problem(manifest, &targets));
    let offline = env
        .hf_offline
        .then(|| diags::offline_problem(manifest, &targets));
    if let Some(d) = precise.or(offline.flatten()) {
        return Err(vec![d]);
    }
    let resolver = Resolver::with_fingerprints(env, &manifest.path).map_err(|e| vec![e.into()])?;
    Ok((targets, resolver))
}
