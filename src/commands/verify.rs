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
    /// Also hold the lock and the files to an in-toto statement
    /// (`modellock attest`, verified by its signer first): every subject
    /// must be a locked file with the same sha256, and every locked file of
    /// its models a subject.
    #[arg(long, value_name = "FILE")]
    pub statement: Option<PathBuf>,
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
    if let Some(path) = &args.statement {
        match statement(path, &lock) {
            Ok((found, models)) => {
                diags.extend(found);
                if args.models.is_empty() {
                    selected.retain(|m| models.contains(&m.name));
                }
            }
            Err(d) => return ctx.fail(&[*d], files),
        }
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

/// The mismatches between an in-toto statement and the lock, and the
/// models it names.
fn statement(
    path: &std::path::Path,
    lock: &crate::lock::Lock,
) -> Result<(Vec<diag::Diag>, Vec<String>), Box<diag::Diag>> {
    use crate::diag::{Code, Diag};
    use std::collections::BTreeMap;
    let invalid = |why: String| {
        Box::new(
            Diag::error(
                Code::VerifyStatementInvalid,
                format!("`{}` {why}", path.display()),
            )
            .with_help(
                "give the statement `modellock attest` wrote (after checking its signature)",
            ),
        )
    };
    let text = std::fs::read(path).map_err(|e| invalid(format!("cannot be read: {e}")))?;
    let v: serde_json::Value =
        serde_json::from_slice(&text).map_err(|_| invalid("is not JSON".into()))?;
    if v["_type"] != super::attest::STATEMENT_TYPE {
        return Err(invalid(format!(
            "is not an in-toto v1 Statement (`_type` is {})",
            v["_type"]
        )));
    }
    let subjects = v["subject"]
        .as_array()
        .ok_or_else(|| invalid("has no `subject` list".into()))?;
    let mut named: BTreeMap<(String, String), String> = BTreeMap::new();
    for s in subjects {
        let (Some(name), Some(sha)) = (s["name"].as_str(), s["digest"]["sha256"].as_str()) else {
            return Err(invalid(
                "has a subject without `name` and `digest.sha256`".into(),
            ));
        };
        let Some((model, file)) = name.split_once('/') else {
            return Err(invalid(format!("names `{name}`, not MODEL/PATH")));
        };
        named.insert((model.to_owned(), file.to_owned()), sha.to_owned());
    }
    let mut out = Vec::new();
    let mismatch = |m: String| {
        Diag::error(Code::VerifyStatementMismatch, m)
            .with_help("the files on disk may be as locked, but not as attested: check which of the lock and the statement is the one signed")
    };
    let mut models: Vec<String> = named.keys().map(|(m, _)| m.clone()).collect();
    models.dedup();
    for ((model, file), sha) in &named {
        match lock
            .model(model)
            .and_then(|m| m.files.iter().find(|f| &f.path == file))
        {
            None => out.push(mismatch(format!(
                "the statement names `{model}/{file}`, which models.lock does not lock"
            ))),
            Some(f) if &f.sha256 != sha => out.push(
                mismatch(format!(
                    "the statement gives `{model}/{file}` the sha256 {sha}; models.lock locks {}",
                    f.sha256
                ))
                .with_model(model.clone()),
            ),
            Some(_) => {}
        }
    }
    for model in &models {
        if let Some(m) = lock.model(model) {
            for f in &m.files {
                if !named.contains_key(&(model.clone(), f.path.clone())) {
                    out.push(
                        mismatch(format!(
                            "models.lock locks `{model}/{}`, which the statement leaves out",
                            f.path
                        ))
                        .with_model(model.clone()),
                    );
                }
            }
        }
    }
    Ok((out, models))
}
