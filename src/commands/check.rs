//! `modellock check`: the CI and pre-commit gate. Offline: it reads only
//! models.toml, models.lock and the license store.

use super::Context;
use crate::diag;
use crate::hashing::short_id;
use crate::policy::gate;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Never touch the network (check never does today; the flag makes
    /// that a promise for CI and pre-commit).
    #[arg(long)]
    pub offline: bool,
}

pub fn run(ctx: &Context, _args: &CheckArgs) -> u8 {
    let (project, lock, lock_file) = match ctx.load_locked() {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let (manifest, files, mut diags) = (&project.manifest, &project.files, project.diags.clone());
    let verdict = gate::judge(manifest, &lock, lock_file, &project.store, ctx.today);
    diags.extend(verdict.diags);
    let lines: Vec<String> = if ctx.out.verbose {
        verdict
            .models
            .iter()
            .filter_map(|m| {
                Some(format!(
                    "{:>12} {} ({}, {}) at {}",
                    m.status.as_str(),
                    m.name,
                    m.license.as_deref().unwrap_or("no license"),
                    short_id(m.license_digest.as_deref()?),
                    short_id(m.revision.as_deref()?),
                ))
            })
            .collect()
    } else {
        Vec::new()
    };
    let extra = crate::output::fields(&crate::report::records::Checked {
        models: &verdict.models,
    });
    ctx.out
        .report(&diags, files, Some(manifest.models.len()), extra, &lines);
    diag::exit_status(&diags)
}
