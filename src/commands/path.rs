//! `modellock path [MODEL]...`: where a locked model is for the programs
//! that serve it: the snapshot directory in the Hugging Face cache, the
//! Ollama model name, or the `path:` directory. With one model, only that
//! (for `vllm serve "$(modellock path chat)"`); `--format json` gives every
//! model with its revisions. It reads models.lock only.

use super::Context;
use crate::diag::{self, Code, Diag};
use crate::env::Env;
use crate::lock::LockedModel;
use crate::output::Format;
use crate::policy::gate;
use crate::report::fetch::{Place, Places};
use crate::source::hf::cache::RepoCache;
use crate::source::ollama::store as ollama_store;
use crate::source::Source;

#[derive(Debug, clap::Args)]
pub struct PathArgs {
    /// The models (default: every model).
    pub models: Vec<String>,
}

pub fn run(ctx: &Context, args: &PathArgs) -> u8 {
    let (project, lock, lock_file) = match ctx.load_locked() {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let (manifest, files, mut diags) = (&project.manifest, &project.files, project.diags.clone());
    let entries = match super::select(manifest, &args.models) {
        Ok(e) => e,
        Err(unknown) => return stop(ctx, unknown, files, 2),
    };
    let models =
        match gate::current_entries(manifest, &entries, &lock, lock_file, args.models.is_empty()) {
            Ok(m) => m,
            Err(stale) => {
                diags.extend(stale);
                let status = diag::exit_status(&diags).max(1);
                return stop(ctx, diags, files, status);
            }
        };
    let env = Env::from_process();
    let places: Vec<Place> = models
        .iter()
        .map(|m| place(m, &env, manifest.dir()))
        .collect();
    for p in places.iter().filter(|p| !p.present) {
        let locked = lock.model(&p.name);
        diags.push(
            Diag::error(
                Code::FetchNotFetched,
                format!(
                    "`{}` is not on this machine at the locked revision ({})",
                    p.name, p.path
                ),
            )
            .with_model(p.name.clone())
            .with_label(
                lock_file,
                locked.and_then(|m| m.span.clone()),
                "locked here",
            )
            .with_help(format!("run `modellock fetch {}`", p.name)),
        );
    }
    if ctx.out.format == Format::Human {
        ctx.out.diags_to_stderr(&diags, files);
        if diag::exit_status(&diags) != 0 {
            return diag::exit_status(&diags);
        }
        let text: String = match &places[..] {
            [one] => format!("{}\n", one.path),
            many => many
                .iter()
                .map(|p| format!("{}\t{}\n", p.name, p.path))
                .collect(),
        };
        crate::output::print_stdout(&text);
        return 0;
    }
    let extra = crate::output::fields(&Places { models: places });
    ctx.out
        .report(&diags, files, Some(models.len()), extra, &[]);
    diag::exit_status(&diags)
}

/// Prints diagnostics (on stderr in human form) and returns `status`.
fn stop(ctx: &Context, diags: Vec<Diag>, files: &diag::Files, status: u8) -> u8 {
    if ctx.out.format == Format::Human {
        ctx.out.diags_to_stderr(&diags, files);
        status
    } else {
        ctx.fail(&diags, files)
    }
}

/// Where a locked model is, and whether it is there at its revision.
fn place(m: &LockedModel, env: &Env, manifest_dir: &std::path::Path) -> Place {
    let (path, present) = match Source::parse(&m.source) {
        Ok(Source::Hf(repo)) => {
            let snapshot = RepoCache::new(&env.hf_hub_cache, repo.as_str()).snapshot(&m.revision);
            let present = m.files.iter().all(|f| snapshot.join(&f.path).is_file());
            (snapshot.display().to_string(), present)
        }
        Ok(Source::Ollama(n)) => {
            let manifest = ollama_store::manifest(&env.ollama_models, &n);
            let present = std::fs::read(&manifest)
                .is_ok_and(|b| format!("sha256:{}", crate::hashing::sha256_hex(&b)) == m.revision)
                && m.files
                    .iter()
                    .all(|f| ollama_store::blob(&env.ollama_models, &f.sha256).is_file());
            // the name `ollama run` takes: short for the default registry
            let name = match (n.host.as_str(), n.namespace.as_str()) {
                ("registry.ollama.ai", "library") => format!("{}:{}", n.model, n.tag),
                ("registry.ollama.ai", ns) => format!("{ns}/{}:{}", n.model, n.tag),
                _ => n.qualified(),
            };
            (name, present)
        }
        Ok(Source::Path(p)) => {
            let dir = p.resolve_dir(manifest_dir);
            let present = m.files.iter().all(|f| dir.join(&f.path).is_file());
            (dir.display().to_string(), present)
        }
        Err(_) => (String::new(), false),
    };
    Place {
        name: m.name.clone(),
        source: m.source.clone(),
        revision: m.revision.clone(),
        requested: m.requested.clone(),
        tag: m.tag.clone(),
        path,
        present,
    }
}
