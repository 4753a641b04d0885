//! `modellock fetch [MODEL]... [--dir DIR] [--jobs N]`: download exactly
//! the locked files into the caches the serving stack reads, verified as
//! they arrive. It reads models.lock only: a stale lock stops it.

use super::Context;
use crate::diag;
use crate::env::Env;
use crate::fetch::{self, Progress};
use crate::lock::LockedModel;
use crate::policy::gate;
use crate::report::fetch::Report;
use crate::source::Source;
use crate::verify;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// Fetch only these models (default: every model).
    pub models: Vec<String>,
    /// Download into DIR, laid out as the repo (DIR/<model> with several
    /// models), instead of the Hugging Face cache or the Ollama store.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Connections at once, for files and the byte ranges of large files
    /// (default: 8).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,
}

/// One progress bar on stderr: checking what is there, then downloading.
struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn checking(&self, bytes: u64) {
        self.0.set_prefix("Checking");
        self.0.set_length(bytes);
        self.0.set_position(0);
    }
    fn downloading(&self, bytes: u64) {
        self.0.set_prefix("Fetching");
        self.0.set_length(bytes);
        self.0.set_position(0);
        self.0.reset_eta();
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}

pub fn run(ctx: &Context, args: &FetchArgs) -> u8 {
    let (project, lock, lock_file) = match ctx.load_locked() {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let (manifest, files, mut diags) = (&project.manifest, &project.files, project.diags.clone());
    let entries = match super::select(manifest, &args.models) {
        Ok(e) => e,
        Err(unknown) => return ctx.fail(&unknown, files),
    };
    // never resolves: what is fetched is what the lock says, and only a
    // lock that is current for models.toml says what is wanted
    let models =
        match gate::current_entries(manifest, &entries, &lock, lock_file, args.models.is_empty()) {
            Ok(m) => m,
            Err(stale) => {
                diags.extend(stale);
                ctx.out
                    .report(&diags, files, Some(entries.len()), Default::default(), &[]);
                return diag::exit_status(&diags).max(1);
            }
        };

    let env = Env::from_process();
    diags.extend(super::token_warning(&env));
    let jobs = args.jobs.map_or(8, usize::from);
    let started = Instant::now();
    let (paths, remote): (Vec<&LockedModel>, Vec<&LockedModel>) = models
        .iter()
        .partition(|m| matches!(Source::parse(&m.source), Ok(Source::Path(_))));

    // path: models are only verified, where they are
    let cache = crate::cache::Cache::new(env.cache_dir.clone());
    let located = verify::locate_all(&paths, lock_file, &env, manifest.dir(), None);
    diags.extend(located.diags);
    let verified = verify::check_files(located.items, &cache, false, &|_| {});
    diags.extend(verify::findings(
        &verified,
        &lock,
        lock_file,
        &located.fetch,
    ));

    let bar = Bar(ctx.out.bytes_progress(0, "Checking"));
    let cx = crate::resolve::context(env, &ctx.manifest_path);
    let opts = fetch::Options {
        jobs,
        dir: args.dir.as_deref(),
        manifest_dir: manifest.dir(),
    };
    let outcome = fetch::fetch(&remote, &cx, &opts, &bar);
    bar.0.finish_and_clear();
    diags.extend(fetch::findings::diags(&outcome.problems, &lock, lock_file));

    // what the pickle-based files now on disk would import (read, never
    // run); the stat cache knows every file just fetched
    let env = Env::from_process();
    let placed = verify::locate_all(
        &remote,
        lock_file,
        &env,
        manifest.dir(),
        args.dir.as_deref(),
    );
    let on_disk = verify::check_files(placed.items, &cache, false, &|_| {});
    diags.extend(verify::pickle_findings(&on_disk, &lock, lock_file, &cache));
    diags.extend(verify::pickle_findings(&verified, &lock, lock_file, &cache));

    let report = Report::new(&outcome.files, &verified, outcome.downloaded);
    let lines = if ctx.out.quiet {
        Vec::new()
    } else {
        vec![report.summary(models.len(), started.elapsed())]
    };
    let extra = crate::output::fields(&report);
    ctx.out
        .report(&diags, files, Some(models.len()), extra, &lines);
    diag::exit_status(&diags)
}
