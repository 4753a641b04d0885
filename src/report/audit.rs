//! The report of `audit`: every finding (a table of those in files, one
//! of those in caches and stores), a summary per model, and the JSON.

use crate::audit::fix::Addition;
use crate::audit::judged::Judged;
use crate::audit::status::{Status, Triage, Verdict};
use crate::audit::{Confidence, Location, WalkStats};
use crate::output::columns;
use serde::Serialize;
use std::collections::BTreeMap;

/// One finding as JSON reports show it.
#[derive(Serialize)]
pub struct FindingReport<'a> {
    file: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    reference: String,
    source: String,
    revision: Option<&'a str>,
    /// `use`, `config`, `deploy`, `docs`, `test` or `test-data`.
    kind: crate::audit::kind::Kind,
    /// What recognised it.
    via: &'static str,
    confidence: Confidence,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: &'a Option<String>,
    status: crate::audit::status::Status,
    triage: Triage,
    entry: &'a Option<String>,
    why: &'a str,
}

impl<'a> FindingReport<'a> {
    fn of(j: &'a Judged) -> FindingReport<'a> {
        let (line, column) = j.line_column();
        let r = &j.finding.reference;
        let Verdict {
            status,
            triage,
            entry,
            why,
        } = &j.verdict;
        FindingReport {
            file: &j.shown,
            line,
            column,
            reference: r.display(),
            source: r.source(),
            revision: r.revision(),
            kind: j.finding.kind,
            via: j.finding.via,
            confidence: j.finding.confidence,
            detail: &j.finding.detail,
            status: *status,
            triage: *triage,
            entry,
            why,
        }
    }
}

/// The JSON fields of `audit`'s report.
#[derive(Serialize)]
pub struct Report<'a> {
    findings: Vec<FindingReport<'a>>,
    triage: BTreeMap<&'static str, usize>,
    walk: &'a WalkStats,
    fixed: &'a [Addition],
}

impl<'a> Report<'a> {
    pub fn new(judged: &'a [Judged], walk: &'a WalkStats, fixed: &'a [Addition]) -> Report<'a> {
        let triage = [Triage::Safe, Triage::Watch, Triage::Migrate]
            .into_iter()
            .map(|t| {
                (
                    t.as_str(),
                    judged.iter().filter(|j| j.verdict.triage == t).count(),
                )
            })
            .collect();
        Report {
            findings: judged.iter().map(FindingReport::of).collect(),
            triage,
            walk,
            fixed,
        }
    }
}

/// Every human line: the findings, the summary, what was searched, and
/// what `--fix` added. `hidden`: low-confidence findings left out;
/// `no_manifest`: the manifest path, when there is none.
pub fn lines(
    judged: &[Judged],
    stats: &WalkStats,
    elapsed: std::time::Duration,
    hidden: usize,
    no_manifest: Option<&std::path::Path>,
    fixed: &[Addition],
) -> Vec<String> {
    let mut lines = finding_lines(judged);
    lines.push(String::new());
    lines.extend(summary_table(judged));
    lines.push(String::new());
    lines.push(format!(
        "searched {} files ({} read, {} over the size cap) in {:.2} s{}",
        stats.files,
        stats.scanned,
        stats.skipped_large,
        elapsed.as_secs_f64(),
        if hidden > 0 {
            format!("; {hidden} low-confidence guesses not shown (-v shows them)")
        } else {
            String::new()
        }
    ));
    if stats.capped > 0 {
        lines.push(format!(
            "{} more candidate references not looked at: at most {} are read on a line and {} in a file",
            stats.capped,
            crate::audit::recognise::MAX_PER_LINE,
            crate::audit::recognise::MAX_PER_FILE
        ));
    }
    if let Some(path) = no_manifest {
        lines.push(format!(
            "no {}: every reference is unlocked (`modellock init`, then `modellock audit --fix`)",
            path.display()
        ));
    }
    for f in fixed {
        lines.push(format!(
            "{:>12} `{}` ({}) to models.toml",
            "Added", f.name, f.source
        ));
    }
    if !fixed.is_empty() {
        lines.push("run `modellock update` to lock them".to_owned());
    }
    lines
}

/// The findings in files — the product's uses, configuration and
/// deployments first, then documentation, tests and test data apart —
/// then those in caches, stores and serving hosts, a table each.
fn finding_lines(judged: &[Judged]) -> Vec<String> {
    let in_store = |j: &&Judged| matches!(j.finding.location, Location::Store { .. });
    let product: Vec<&Judged> = judged
        .iter()
        .filter(|j| !in_store(j) && j.finding.kind.is_product())
        .collect();
    let other: Vec<&Judged> = judged
        .iter()
        .filter(|j| !in_store(j) && !j.finding.kind.is_product())
        .collect();
    let stores: Vec<&Judged> = judged.iter().filter(in_store).collect();
    let mut out = finding_rows(&product);
    for (title, group) in [
        (
            "In documentation, tests and test data (not counted as uses):",
            &other,
        ),
        ("On this machine and its serving hosts:", &stores),
    ] {
        if group.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(String::new());
        }
        out.push(title.to_owned());
        out.extend(finding_rows(group));
    }
    out
}

fn finding_rows(judged: &[&Judged]) -> Vec<String> {
    let rows: Vec<[String; 4]> = judged
        .iter()
        .map(|j| {
            let place = match j.line_column() {
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
            let detail = j
                .finding
                .detail
                .as_deref()
                .map(|d| format!(" — {d}"))
                .unwrap_or_default();
            [
                place,
                format!("{}{guess}{detail}", j.finding.reference.display()),
                format!("{status}, {}", j.finding.kind.as_str()),
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
    let apart = judged
        .iter()
        .filter(|j| !j.finding.kind.is_product())
        .count();
    if apart > 0 {
        out.push(format!(
            "{apart} of them in documentation, tests or test data: models the product may not run, but a clean bill needs them read"
        ));
    }
    out
}
