//! `modellock verify [MODEL]... [--dir DIR] [--jobs N] [--rehash]`: hash the
//! files on disk against the lock.

use super::Context;
use crate::diag;
use crate::env::Env;
use crate::report::verify as report;
use crate::verify;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Verify only these models (default: every locked model).
    pub models: Vec<String>,
    /// Look in DIR (laid out as the repo; DIR/<model> with several models)
    /// instead of the Hugging Face cache, the Ollama store or the path.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Files hashed at once (default: one per core).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,
    /// Hash every file, ignoring the stat cache.
    #[arg(long)]
    pub rehash: bool,
}

pub fn run(ctx: &Context, args: &VerifyArgs) -> u8 {
    let (project, lock, lock_file) = match ctx.load_locked() {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let (manifest, files, mut diags) = (&project.manifest, &project.files, project.diags.clone());
    let mut selected = Vec::new();
    for name in &args.models {
        match lock.model(name) {
            Some(m) => selected.push(m),
            None => diags.push(super::unknown_name(
                "models.lock",
                lock.models().iter().map(|m| m.name.as_str()),
                name,
            )),
        }
    }
    if diag::has_errors(&diags) {
        return ctx.fail(&diags, files);
    }
    if args.models.is_empty() {
        selected = lock.models().iter().collect();
    }

    let env = Env::from_process();
    let located = verify::locate_all(
        &selected,
        lock_file,
        &env,
        manifest.dir(),
        args.dir.as_deref(),
    );
    diags.extend(located.diags);
    let total: u64 = located.items.iter().map(|i| i.file.size).sum();
    let progress = ctx.out.bytes_progress(total, "Verifying");
    let started = Instant::now();
    let jobs = args
        .jobs
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let cache = crate::cache::Cache::new(env.cache_dir.clone());
    let check = || verify::check_files(located.items, &cache, args.rehash, &|n| progress.inc(n));
    let results = match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
        Ok(pool) => pool.install(check),
        Err(_) => check(),
    };
    progress.finish_and_clear();
    let elapsed = started.elapsed();
    diags.extend(verify::findings(&results, &lock, lock_file, &located.fetch));
    diags.extend(verify::pickle_findings(&results, &lock, lock_file, &cache));

    let lines = if ctx.out.quiet {
        Vec::new()
    } else {
        vec![report::summary(&results, selected.len(), elapsed)]
    };
    let extra = crate::output::fields(&report::Report::new(&results));
    ctx.out
        .report(&diags, files, Some(selected.len()), extra, &lines);
    diag::exit_status(&diags)
}
