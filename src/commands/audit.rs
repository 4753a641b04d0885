//! `modellock audit [PATH]...`: every model a codebase and a machine use,
//! held against models.toml and models.lock; `--fix` adds the unlocked
//! ones to models.toml.

use super::{write_manifest, Context};
use crate::audit::search::{search, Found, Scope};
use crate::audit::status::Judge;
use crate::audit::{self, fix};
use crate::diag::{self, Code, Diag, Files};
use crate::env::Env;
use crate::project::LockNeed;
use crate::report::audit as report;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Directories or files to search (default: `.`, unless only a cache
    /// or store is asked for).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Also list the models in the Hugging Face cache (default: HF_HUB_CACHE).
    #[arg(long, value_name = "DIR", num_args = 0..=1, require_equals = false)]
    pub hf_cache: Option<Option<PathBuf>>,
    /// Also list the models in the Ollama store (default: OLLAMA_MODELS).
    #[arg(long, value_name = "DIR", num_args = 0..=1, require_equals = false)]
    pub ollama: Option<Option<PathBuf>>,
    /// Also list what an Ollama server serves (`/api/tags`, `/api/show`):
    /// each model's digest and license, held against the lock. Repeatable.
    #[arg(long, value_name = "URL")]
    pub ollama_host: Vec<String>,
    /// Also read `kubectl get pods -A -o yaml` (or `-o json`) output for the
    /// models pods run: args, env and images (`-`: standard input).
    #[arg(long, value_name = "FILE")]
    pub k8s: Option<PathBuf>,
    /// Add every unlocked Hub or Ollama reference to models.toml (with the
    /// revision the code pins), for the next `update` to lock.
    #[arg(long)]
    pub fix: bool,
    /// Reviewed terms older than this many days are triaged `watch`.
    #[arg(long, value_name = "DAYS", default_value_t = 365)]
    pub review_age: u32,
    /// Threads for the walk (default: one per core).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,
}

pub fn run(ctx: &Context, args: &AuditArgs) -> u8 {
    let _lock = if args.fix && ctx.manifest_path.exists() {
        match ctx.lock_project() {
            Ok(l) => Some(l),
            Err(status) => return status,
        }
    } else {
        None
    };
    // the manifest and lock, when there are any
    let (manifest, lock, mut files, mut diags) = if ctx.manifest_path.exists() {
        match ctx.load(LockNeed::Optional) {
            Ok(p) => (Some(p.manifest), p.lock, p.files, p.diags),
            Err(status) => return status,
        }
    } else {
        (None, None, Files::new(), Vec::new())
    };
    let (lock, lock_file) = match lock {
        Some((l, f)) => (Some(l), Some(f)),
        None => (None, None),
    };
    if args.fix && manifest.is_none() {
        let d = Diag::error(
            Code::ManifestNotFound,
            format!(
                "`audit --fix` adds to models.toml, and `{}` does not exist",
                ctx.manifest_path.display()
            ),
        )
        .with_help("run `modellock init` first, or pass --manifest-path");
        return ctx.fail(&[d], &files);
    }

    // what to search
    let env = Env::from_process();
    let caches_only = args.paths.is_empty()
        && (args.hf_cache.is_some()
            || args.ollama.is_some()
            || !args.ollama_host.is_empty()
            || args.k8s.is_some());
    let scope = Scope {
        roots: if args.paths.is_empty() && !caches_only {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        },
        hf_cache: args
            .hf_cache
            .clone()
            .map(|d| d.unwrap_or_else(|| env.hf_hub_cache.clone())),
        ollama: args
            .ollama
            .clone()
            .map(|d| d.unwrap_or_else(|| env.ollama_models.clone())),
        ollama_hosts: args.ollama_host.clone(),
        k8s: args.k8s.clone(),
        threads: args
            .jobs
            .map(usize::from)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
    };
    let started = std::time::Instant::now();
    let Found {
        findings: judged,
        stats,
    } = match search(&scope, &mut files) {
        Ok(found) => found,
        Err(d) => return ctx.fail(&d, &files),
    };
    let elapsed = started.elapsed();
    if !stats.unreadable.is_empty() {
        diags.push(audit::unreadable_diag(&stats.unreadable));
    }

    let judge = Judge {
        manifest: manifest.as_ref(),
        lock: lock.as_ref(),
        lock_file,
        today: ctx.today,
        review_age: args.review_age,
    };
    let (judged, low_hidden) = judge.all(judged, ctx.out.verbose);

    diags.extend(judged.iter().filter_map(|j| j.diagnostic(lock.as_ref())));

    // --fix: add the unlocked references models.toml lacks
    let mut fixed = Vec::new();
    if let (true, Some(m)) = (args.fix, &manifest) {
        fixed = fix::additions(m, &judged);
        if !fixed.is_empty() {
            let edited = fix::apply(files.text(m.file), &fixed);
            if let Err(status) = write_manifest(ctx, m, &files, edited, "add the unlocked models") {
                return status;
            }
        }
    }

    let lines = if ctx.out.quiet {
        Vec::new()
    } else {
        let hidden = if ctx.out.verbose { 0 } else { low_hidden };
        let no_manifest = manifest.is_none().then_some(ctx.manifest_path.as_path());
        report::lines(&judged, &stats, elapsed, hidden, no_manifest, &fixed)
    };

    let extra = crate::output::fields(&report::Report::new(&judged, &stats, &fixed));
    let status = diag::exit_status(&diags);
    ctx.out
        .report_with_status(&diags, &files, None, extra, &lines, status);
    status
}
