//! `modellock audit [PATH]...`: every model a codebase and a machine use,
//! held against models.toml and models.lock; `--fix` adds the unlocked
//! ones to models.toml.

use super::{write_manifest, Context};
use crate::audit::judged::Judged;
use crate::audit::status::Judge;
use crate::audit::{self, fix, Confidence, Finding, Location};
use crate::diag::{self, Code, Diag, FileId, Files};
use crate::env::Env;
use crate::project::LockNeed;
use crate::report::audit as report;
use std::path::{Path, PathBuf};

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

fn display_path(p: &Path) -> String {
    let s = p.display().to_string();
    s.strip_prefix("./").map(str::to_owned).unwrap_or(s)
}

fn io_error(what: String) -> Diag {
    Diag::error(Code::AuditIo, what).with_help(
        "check the path; audit reads directories and files, the HF cache and the Ollama store",
    )
}

pub fn run(ctx: &Context, args: &AuditArgs) -> u8 {
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
    let caches_only = args.paths.is_empty() && (args.hf_cache.is_some() || args.ollama.is_some());
    let roots: Vec<PathBuf> = if args.paths.is_empty() && !caches_only {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let missing: Vec<Diag> = roots
        .iter()
        .filter(|p| !p.exists())
        .map(|p| io_error(format!("`{}` does not exist", p.display())))
        .collect();
    if !missing.is_empty() {
        return ctx.fail(&missing, &files);
    }
    let threads = args
        .jobs
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let started = std::time::Instant::now();
    let (scanned, stats) = audit::walk(&roots, threads);
    let mut judged: Vec<(Finding, String, Option<FileId>)> = Vec::new();
    for s in scanned {
        let shown = display_path(&s.path);
        let id = files.add(shown.clone(), s.text.as_str());
        for f in s.findings {
            judged.push((f, shown.clone(), Some(id)));
        }
    }
    let mut store = |what: &str,
                     dir: &Option<Option<PathBuf>>,
                     default: &Path,
                     scan: fn(&Path) -> std::io::Result<Vec<Finding>>|
     -> Result<(), Diag> {
        let Some(dir) = dir else { return Ok(()) };
        let dir = dir.clone().unwrap_or_else(|| default.to_owned());
        let found = scan(&dir)
            .map_err(|e| io_error(format!("cannot read the {what} `{}`: {e}", dir.display())))?;
        for f in found {
            let shown = match &f.location {
                Location::Store { path } => display_path(path),
                Location::Text { path, .. } => display_path(path),
            };
            judged.push((f, shown, None));
        }
        Ok(())
    };
    let hf_default = env.hf_hub_cache.clone();
    let ollama_default = env.ollama_models.clone();
    if let Err(d) = store(
        "Hugging Face cache",
        &args.hf_cache,
        &hf_default,
        audit::caches::hf_cache,
    )
    .and_then(|_| {
        store(
            "Ollama store",
            &args.ollama,
            &ollama_default,
            audit::caches::ollama_store,
        )
    }) {
        return ctx.fail(&[d], &files);
    }
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
    let low_hidden = judged
        .iter()
        .filter(|(f, _, _)| f.confidence == Confidence::Low)
        .count();
    let judged: Vec<Judged> = judged
        .into_iter()
        .filter(|(f, _, _)| ctx.out.verbose || f.confidence == Confidence::High)
        .map(|(finding, shown, file)| Judged {
            verdict: judge.judge(&finding.reference),
            finding,
            shown,
            file,
        })
        .collect();

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

    let mut lines = Vec::new();
    if !ctx.out.quiet {
        lines.extend(report::finding_lines(&judged));
        lines.push(String::new());
        lines.extend(report::summary_table(&judged));
        let note = format!(
            "searched {} files ({} read, {} over the size cap) in {:.2} s{}",
            stats.files,
            stats.scanned,
            stats.skipped_large,
            elapsed.as_secs_f64(),
            if low_hidden > 0 && !ctx.out.verbose {
                format!("; {low_hidden} low-confidence guesses not shown (-v shows them)")
            } else {
                String::new()
            }
        );
        lines.push(String::new());
        lines.push(note);
        if manifest.is_none() {
            lines.push(format!(
                "no {}: every reference is unlocked (`modellock init`, then `modellock audit --fix`)",
                ctx.manifest_path.display()
            ));
        }
        for f in &fixed {
            lines.push(format!(
                "{:>12} `{}` ({}) to models.toml",
                "Added", f.name, f.source
            ));
        }
        if !fixed.is_empty() {
            lines.push("run `modellock update` to lock them".to_owned());
        }
    }

    let extra = crate::output::fields(&report::Report::new(&judged, &stats, &fixed));
    let status = diag::exit_status(&diags);
    ctx.out
        .report_with_status(&diags, &files, None, extra, &lines, status);
    status
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::ModelRef;

    #[test]
    fn paths_are_shown_without_dot_slash() {
        assert_eq!(display_path(Path::new("./src/app.py")), "src/app.py");
        assert_eq!(display_path(Path::new("/abs/x.py")), "/abs/x.py");
        let r = ModelRef::Hf {
            repo: "org/x".into(),
            revision: Some("v1".into()),
        };
        assert_eq!(r.display(), "hf:org/x@v1");
    }
}
