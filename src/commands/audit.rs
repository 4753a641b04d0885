//! `modellock audit [PATH]...`: every model a codebase and a machine use,
//! held against models.toml and models.lock; `--fix` adds the unlocked
//! ones to models.toml.

use super::{write_manifest, Context};
use crate::audit::status::{Judge, Status, Triage, Verdict};
use crate::audit::{self, At, Confidence, Finding, Location};
use crate::diag::{self, Code, Diag, FileId, Files};
use crate::env::Env;
use crate::manifest::{self, edit, Manifest};
use crate::output::columns;
use crate::project::LockNeed;
use crate::source::Source;
use serde_json::{json, Value};
use std::collections::BTreeMap;
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

/// A finding with its verdict, ready to report.
struct Judged {
    finding: Finding,
    verdict: Verdict,
    /// The display path and the file registered for snippets.
    shown: String,
    file: Option<FileId>,
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

    for j in &judged {
        if let Some(d) = diagnostic(j, lock.as_ref()) {
            diags.push(d);
        }
    }

    // --fix: add the unlocked references models.toml lacks
    let mut fixed: Vec<Value> = Vec::new();
    if args.fix {
        if let Some(m) = &manifest {
            match fix(ctx, m, &files, &judged) {
                Ok(added) => fixed = added,
                Err(status) => return status,
            }
        }
    }

    let mut lines = Vec::new();
    if !ctx.out.quiet {
        lines.extend(finding_lines(&judged));
        lines.push(String::new());
        lines.extend(summary_table(&judged));
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
                "Added",
                f["name"].as_str().unwrap_or_default(),
                f["source"].as_str().unwrap_or_default()
            ));
        }
        if !fixed.is_empty() {
            lines.push("run `modellock update` to lock them".to_owned());
        }
    }

    let mut extra = serde_json::Map::new();
    extra.insert("findings".into(), judged.iter().map(finding_json).collect());
    let mut triage = BTreeMap::new();
    for t in [Triage::Safe, Triage::Watch, Triage::Migrate] {
        triage.insert(
            t.as_str(),
            judged.iter().filter(|j| j.verdict.triage == t).count(),
        );
    }
    extra.insert("triage".into(), json!(triage));
    extra.insert("walk".into(), json!(stats));
    extra.insert("fixed".into(), Value::Array(fixed));
    let status = diag::exit_status(&diags);
    ctx.out
        .report_with_status(&diags, &files, None, extra, &lines, status);
    status
}

fn diagnostic(j: &Judged, lock: Option<&crate::lock::Lock>) -> Option<Diag> {
    let at = At {
        reference: j.finding.reference.display(),
        source: j.finding.reference.source(),
        why: j.verdict.why.clone(),
        file: match (&j.finding.location, j.file) {
            (Location::Text { start, end, .. }, Some(id)) => Some((id, *start..*end)),
            _ => None,
        },
        store: match &j.finding.location {
            Location::Store { path } => Some(path.clone()),
            _ => None,
        },
    };
    let entry = j.verdict.entry.clone().unwrap_or_default();
    Some(match j.verdict.status {
        Status::Locked => return None,
        Status::Unlocked => audit::Unlocked {
            at,
            revision: j.finding.reference.revision().map(str::to_owned),
        }
        .into(),
        Status::Unpinned => audit::Unpinned {
            locked_revision: lock
                .and_then(|l| l.model(&entry))
                .map(|l| l.revision.clone())
                .unwrap_or_default(),
            at,
            entry,
        }
        .into(),
        Status::RevisionMismatch => {
            let locked = lock
                .and_then(|l| l.model(&entry))
                .map(|l| {
                    l.tag
                        .clone()
                        .or_else(|| {
                            l.requested
                                .clone()
                                .filter(|r| crate::source::hf::is_pinned(r))
                        })
                        .unwrap_or_else(|| l.revision.clone())
                })
                .unwrap_or_default();
            audit::RevisionMismatch {
                revision: j.finding.reference.revision().map(str::to_owned),
                at,
                entry,
                locked,
            }
            .into()
        }
    })
}

fn location(j: &Judged) -> (Option<usize>, Option<usize>) {
    match &j.finding.location {
        Location::Text { line, column, .. } => (Some(*line), Some(*column)),
        Location::Store { .. } => (None, None),
    }
}

fn finding_json(j: &Judged) -> Value {
    let (line, column) = location(j);
    let r = &j.finding.reference;
    json!({
        "file": j.shown,
        "line": line,
        "column": column,
        "reference": r.display(),
        "source": r.source(),
        "revision": r.revision(),
        "kind": j.finding.kind,
        "confidence": j.finding.confidence,
        "status": j.verdict.status,
        "triage": j.verdict.triage,
        "entry": j.verdict.entry,
        "why": j.verdict.why,
    })
}

/// The findings in files, then those in caches and stores, a table each.
fn finding_lines(judged: &[Judged]) -> Vec<String> {
    let in_store = |j: &&Judged| matches!(j.finding.location, Location::Store { .. });
    let files: Vec<&Judged> = judged.iter().filter(|j| !in_store(j)).collect();
    let stores: Vec<&Judged> = judged.iter().filter(in_store).collect();
    let mut out = finding_rows(&files);
    if !stores.is_empty() {
        if !out.is_empty() {
            out.push(String::new());
        }
        out.extend(finding_rows(&stores));
    }
    out
}

fn finding_rows(judged: &[&Judged]) -> Vec<String> {
    let rows: Vec<[String; 4]> = judged
        .iter()
        .map(|j| {
            let place = match location(j) {
                (Some(l), Some(c)) => format!("{}:{l}:{c}", j.shown),
                _ => j.shown.clone(),
            };
            let status = match &j.verdict.entry {
                Some(e) => format!("{} ({e})", j.verdict.status.as_str()),
                None => j.verdict.status.as_str().to_owned(),
            };
            let guess = if j.finding.confidence == Confidence::Low {
                " (guess)"
            } else {
                ""
            };
            [
                place,
                format!("{}{guess}", j.finding.reference.display()),
                status,
                j.verdict.triage.as_str().to_owned(),
            ]
        })
        .collect();
    columns(&rows)
}

/// One row per model and status: how many references, the worst triage.
fn summary_table(judged: &[Judged]) -> Vec<String> {
    let mut groups: BTreeMap<(Triage, String, Status), (usize, Option<String>)> = BTreeMap::new();
    for j in judged {
        let key = (
            j.verdict.triage,
            j.finding.reference.source(),
            j.verdict.status,
        );
        let g = groups.entry(key).or_insert((0, j.verdict.entry.clone()));
        g.0 += 1;
    }
    let mut rows: Vec<[String; 4]> = vec![["Triage", "Status", "Refs", "Model"].map(str::to_owned)];
    let mut ordered: Vec<_> = groups.into_iter().collect();
    ordered.sort_by(|a, b| b.0 .0.cmp(&a.0 .0).then_with(|| a.0 .1.cmp(&b.0 .1)));
    for ((triage, source, status), (n, entry)) in ordered {
        let model = match entry {
            Some(e) => format!("{source} (`{e}`)"),
            None => source,
        };
        rows.push([
            triage.as_str().to_owned(),
            status.as_str().to_owned(),
            n.to_string(),
            model,
        ]);
    }
    let count = |t: Triage| judged.iter().filter(|j| j.verdict.triage == t).count();
    let mut out = columns(&rows);
    out.push(format!(
        "{} references: {} safe, {} watch, {} migrate",
        judged.len(),
        count(Triage::Safe),
        count(Triage::Watch),
        count(Triage::Migrate)
    ));
    out
}

/// Adds the unlocked references models.toml lacks, once each, as `add`
/// would; returns what was added.
fn fix(ctx: &Context, m: &Manifest, files: &Files, judged: &[Judged]) -> Result<Vec<Value>, u8> {
    let mut text = files.text(m.file).to_string();
    let mut names: Vec<String> = m
        .models
        .iter()
        .map(|e| e.name.to_ascii_lowercase())
        .collect();
    // one entry per source, in the order found; its revision is the one
    // the references pin when they agree on one
    let mut wanted: Vec<(String, Source, Vec<String>)> = Vec::new();
    for j in judged {
        if j.verdict.status != Status::Unlocked
            || j.verdict.entry.is_some()
            || j.finding.confidence != Confidence::High
        {
            continue;
        }
        let r = &j.finding.reference;
        let source_text = r.source();
        let Ok(source) = Source::parse(&source_text) else {
            continue;
        };
        let rev = r
            .revision()
            .filter(|rev| manifest::revision_problem(&source, rev).is_none())
            .map(str::to_owned);
        match wanted
            .iter_mut()
            .find(|(s, _, _)| s.eq_ignore_ascii_case(&source_text))
        {
            Some((_, _, revs)) => revs.extend(rev),
            None => wanted.push((source_text, source, rev.into_iter().collect())),
        }
    }
    let mut added = Vec::new();
    for (source_text, source, mut revs) in wanted {
        revs.sort();
        revs.dedup();
        let revision = match revs.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        };
        let base = source.suggested_name();
        let mut name = base.clone();
        let mut n = 2;
        while names.contains(&name.to_ascii_lowercase()) {
            name = format!("{base}-{n}");
            n += 1;
        }
        names.push(name.to_ascii_lowercase());
        let entry = edit::NewEntry {
            name: &name,
            source: &source_text,
            revision: revision.as_deref(),
            files: &[],
        };
        text = match edit::add_model(&text, &entry) {
            Ok(t) => t,
            Err(e) => {
                let d = Diag::error(
                    Code::ManifestEdit,
                    format!("cannot add `{name}` to models.toml: {e}"),
                );
                return Err(ctx.fail(&[d], files));
            }
        };
        added.push(json!({"name": name, "source": source_text, "revision": revision}));
    }
    if !added.is_empty() {
        write_manifest(ctx, m, files, Ok(text), "add the unlocked models")?;
    }
    Ok(added)
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
