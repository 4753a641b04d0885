//! `modellock verify [MODEL]... [--dir DIR] [--jobs N] [--rehash]`: hash the
//! files on disk against the lock.

use super::Context;
use crate::diag::{self, Code, Diag};
use crate::env::Env;
use crate::source::Source;
use crate::verify::{self, locate, FileResult, Status};
use serde_json::json;
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
    if crate::diag::has_errors(&diags) {
        return ctx.fail(&diags, files);
    }
    if args.models.is_empty() {
        selected = lock.models().iter().collect();
    }

    let env = Env::from_process();
    let cache = crate::cache::Cache::new(env.cache_dir.clone());
    let several = selected.len() > 1;
    let mut sources = std::collections::HashMap::new();
    let mut items = Vec::new();
    for m in &selected {
        let Ok(source) = Source::parse(&m.source) else {
            diags.push(
                Diag::error(
                    Code::LockParse,
                    format!(
                        "model `{}` has an invalid source `{}` in models.lock",
                        m.name, m.source
                    ),
                )
                .with_model(m.name.clone())
                .with_label(lock_file, m.span.clone(), "invalid source")
                .with_help("run `modellock update` to rewrite models.lock"),
            );
            continue;
        };
        sources.insert(m.name.clone(), (source.clone(), (*m).clone()));
        let dir = args
            .dir
            .as_ref()
            .map(|d| if several { d.join(&m.name) } else { d.clone() });
        match locate::locate(m, &source, &env, manifest.dir(), dir.as_deref()) {
            locate::Located::WrongRevision { root, present } => diags.push(
                Diag::error(
                    Code::VerifyWrongRevision,
                    format!(
                        "`{}` is at {}, but the lock pins {} (in {})",
                        m.name,
                        present.join(", "),
                        m.revision,
                        root.display()
                    ),
                )
                .with_model(m.name.clone())
                .with_label(lock_file, m.span.clone(), "locked here")
                .with_help(download_help(&source, m)),
            ),
            locate::Located::Files(places) => {
                for (file, place) in m.files.iter().cloned().zip(places) {
                    items.push(verify::Item {
                        model: m.name.clone(),
                        file,
                        place,
                    });
                }
            }
        }
    }
    let total: u64 = items.iter().map(|i| i.file.size).sum();
    let progress = ctx.out.bytes_progress(total, "Verifying");
    let started = Instant::now();
    let jobs = args
        .jobs
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let run = || verify::check_files(items, &cache, args.rehash, &|n| progress.inc(n));
    let results = match rayon::ThreadPoolBuilder::new().num_threads(jobs).build() {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    };
    progress.finish_and_clear();
    let elapsed = started.elapsed();

    let mut json_files = Vec::new();
    let mut cached = 0usize;
    let mut missing: std::collections::BTreeMap<String, Vec<&FileResult>> = Default::default();
    for r in &results {
        let model = r.model.clone();
        let span = lock.model(&model).and_then(|m| m.span.clone());
        if r.status == Status::OkCached {
            cached += 1;
        }
        json_files.push(json!({
            "model": model,
            "path": r.file.path,
            "location": r.location.display().to_string(),
            "size": r.file.size,
            "sha256": r.file.sha256,
            "status": status_name(&r.status),
            "actual": match &r.status {
                Status::HashMismatch { actual } => json!(actual),
                Status::SizeMismatch { actual } => json!(actual),
                _ => serde_json::Value::Null,
            },
        }));
        if matches!(r.status, Status::Missing | Status::Incomplete) {
            missing.entry(model).or_default().push(r);
            continue;
        }
        let fetch = sources
            .get(&model)
            .map_or_else(String::new, |(src, m)| download_help(src, m));
        if let Some(d) = file_diag(r, &model, &fetch) {
            diags.push(d.with_label(lock_file, span, format!("locked `{}`", r.file.path)));
        }
    }
    // one finding per model for its missing files, listing them
    for (model, absent) in &missing {
        let span = lock.model(model).and_then(|m| m.span.clone());
        let fetch = sources
            .get(model)
            .map_or_else(String::new, |(src, m)| download_help(src, m));
        diags.push(missing_diag(model, absent, &fetch).with_label(lock_file, span, "locked here"));
    }
    let ok = results
        .iter()
        .filter(|r| matches!(r.status, Status::Ok | Status::OkCached))
        .count();

    let bytes: u64 = results.iter().map(|r| r.file.size).sum();
    let secs = elapsed.as_secs_f64().max(1e-9);
    let mut lines = Vec::new();
    if !ctx.out.quiet {
        let bad = results.len() - ok;
        lines.push(format!(
            "{:>12} {ok} of {} ({}) of {} in {:.2} s ({}/s){}{}",
            "Verified",
            plural(results.len(), "file"),
            indicatif::HumanBytes(bytes),
            plural(selected.len(), "model"),
            secs,
            indicatif::HumanBytes((bytes as f64 / secs) as u64),
            if cached > 0 {
                format!("; {cached} unchanged since last hashed")
            } else {
                String::new()
            },
            if bad > 0 {
                format!("; {bad} not as locked")
            } else {
                String::new()
            }
        ));
    }
    let mut extra = serde_json::Map::new();
    extra.insert("files".into(), serde_json::Value::Array(json_files));
    ctx.out
        .report(&diags, files, Some(selected.len()), extra, &lines);
    diag::exit_status(&diags)
}

fn status_name(s: &Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::OkCached => "ok-unchanged",
        Status::Missing => "missing",
        Status::Incomplete => "incomplete",
        Status::SizeMismatch { .. } => "size-mismatch",
        Status::HashMismatch { .. } => "hash-mismatch",
        Status::Escapes { .. } => "symlink-escape",
        Status::Unreadable { .. } => "unreadable",
    }
}

fn file_diag(r: &FileResult, model: &str, fetch: &str) -> Option<Diag> {
    let loc = r.location.display();
    let path = &r.file.path;
    let d = match &r.status {
        // reported per model, listing the files
        Status::Ok | Status::OkCached | Status::Missing | Status::Incomplete => return None,
        Status::SizeMismatch { actual } => Diag::error(
            Code::VerifySizeMismatch,
            format!("`{path}` of `{model}` has {actual} bytes; the lock says {} ({loc})", r.file.size),
        )
        .with_help(format!("the file is truncated or another version; {fetch}")),
        Status::HashMismatch { actual } => Diag::error(
            Code::VerifyHashMismatch,
            format!("`{path}` of `{model}` is not the locked file: sha256 {actual}, locked {} ({} bytes, {loc})", r.file.sha256, r.file.size),
        )
        .with_help(format!("the bytes on disk differ from what was locked and reviewed: delete the file; {fetch}")),
        Status::Escapes { target } => Diag::error(
            Code::VerifySymlinkEscape,
            format!("`{path}` of `{model}` is a symlink out of the cache, to {} ({loc})", target.display()),
        )
        .with_help("the cache should link into its own blobs/; remove the link and download again"),
        Status::Unreadable { error } => Diag::error(Code::VerifyIo, format!("cannot read `{path}` of `{model}` ({loc}): {error}"))
            .with_help("check the file's permissions"),
    };
    Some(d.with_model(model.to_owned()))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The missing (or partly downloaded) files of one model, as one finding.
fn missing_diag(model: &str, absent: &[&FileResult], fetch: &str) -> Diag {
    let list: String = absent
        .iter()
        .map(|r| {
            let partly = if r.status == Status::Incomplete {
                " (only partly downloaded: `.incomplete` files never count)"
            } else {
                ""
            };
            format!("  {}{partly}\n", r.location.display())
        })
        .collect();
    let message = match absent {
        [one] => format!(
            "`{}` of `{model}` is missing ({})",
            one.file.path,
            one.location.display()
        ),
        many => format!("{} of `{model}` are missing", plural(many.len(), "file")),
    };
    Diag::error(Code::VerifyMissingFile, message)
        .with_model(model.to_owned())
        .with_help(format!(
            "missing:\n{list}{fetch}; or point `--dir` at the files"
        ))
}

fn download_help(source: &Source, m: &crate::lock::LockedModel) -> String {
    match source {
        Source::Hf(repo) => format!("download the locked commit: `hf download {repo} --revision {}`", m.revision),
        Source::Ollama(n) => format!("pull the locked manifest: `ollama pull {}`, then check its digest", n.qualified()),
        Source::Path(p) => format!("restore `{}` from where it came, or run `modellock update {}` if it changed on purpose", p.raw, m.name),
    }
}
