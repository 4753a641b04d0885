//! `modellock outdated [MODEL]...`: for every model, what is locked, the
//! newest revision its requirement allows and the newest that exists at
//! all, and whether each one's license terms differ from the locked ones.
//! Nothing is written.

use super::Context;
use crate::diag::{Code, Diag};
use crate::env::Env;
use crate::report::{self, outdated::Report};
use crate::resolve::Resolver;
use rayon::prelude::*;

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

pub fn run(ctx: &Context, args: &OutdatedArgs) -> u8 {
    let (project, lock, _) = match ctx.load_locked() {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let (manifest, files, mut diags) = (&project.manifest, &project.files, project.diags.clone());
    let entries = match super::select(manifest, &args.models) {
        Ok(e) => e,
        Err(unknown) => return ctx.fail(&unknown, files),
    };
    let env = Env::from_process();
    diags.extend(super::token_warning(&env));
    if env.hf_offline && entries.iter().any(|e| e.source.value.is_hub()) {
        let d = Diag::error(
            Code::SourceOffline,
            "HF_HUB_OFFLINE is set, and outdated must ask the Hub what is new",
        )
        .with_help("unset HF_HUB_OFFLINE to look for new revisions");
        return ctx.fail(&[d], files);
    }

    let resolver = Resolver::new(env, &manifest.path);
    let progress = ctx.out.progress(entries.len() as u64, "Checking");
    let look_up = || -> Vec<_> {
        entries
            .par_iter()
            .map(|e| {
                let row = resolver
                    .outdated(e, lock.model(&e.name))
                    .map_err(|f| report::failure(manifest, e, f));
                progress.inc(1);
                row
            })
            .collect()
    };
    let results = match rayon::ThreadPoolBuilder::new()
        .num_threads(usize::from(args.jobs))
        .build()
    {
        Ok(pool) => pool.install(look_up),
        Err(_) => look_up(),
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
        return ctx.fail(&diags, files);
    }
    // the documents the locked terms incorporate, as they read now
    let urls = rows
        .iter()
        .filter_map(|r| r.locked)
        .flat_map(|l| l.documents.iter().filter_map(|d| d.url.as_deref()));
    let read = resolver.read_documents(urls, usize::from(args.jobs));
    for row in &mut rows {
        if let Some(l) = row.locked {
            row.documents = resolver.documents_now(l, &read);
            row.outdated |= row.documents.iter().any(|d| d.status == "changed");
        }
    }

    let outdated = rows.iter().filter(|r| r.outdated).count();
    let status = u8::from(args.exit_code && outdated > 0);
    let lines = report::outdated::lines(&rows);
    // the table alone when there is nothing to warn about
    if ctx.out.format == crate::output::Format::Human && diags.is_empty() {
        crate::output::print_stdout(&format!("{}\n", lines.join("\n")));
        return status;
    }
    let extra = crate::output::fields(&Report {
        models: &rows,
        outdated,
    });
    let models = Some(manifest.models.len());
    ctx.out
        .report_with_status(&diags, files, models, extra, &lines, status);
    status
}
