//! The report of `outdated`: a table of what is locked and what is newer,
//! then what changes in the terms of each newer revision.

use crate::hashing::short_id;
use crate::lock::LockedModel;
use crate::resolve::outdated::{Candidate, DocumentNow, Row};
use serde::Serialize;

/// The JSON fields of `outdated`'s report.
#[derive(Serialize)]
pub struct Report<'a> {
    pub models: &'a [Row<'a>],
    pub outdated: usize,
}

/// The table, the notes on each candidate and the summary line.
pub fn lines(rows: &[Row<'_>]) -> Vec<String> {
    let mut lines = table(rows);
    let mut notes: Vec<String> = Vec::new();
    for r in rows {
        let name = &r.entry.name;
        if let Some(c) = &r.compatible {
            notes.extend(candidate(
                c,
                name,
                &format!("`modellock update {name}` takes it"),
            ));
        }
        if let Some(c) = &r.latest {
            let how = match &r.entry.version_raw {
                Some(v) => format!("outside `{v}`: change `version` to take it"),
                None => "change `revision` to take it".to_owned(),
            };
            notes.extend(candidate(c, name, &how));
        }
        for d in &r.documents {
            notes.extend(document(d, name));
        }
    }
    if !notes.is_empty() {
        lines.push(String::new());
        lines.extend(notes);
    }
    lines.push(String::new());
    let outdated = rows
        .iter()
        .filter(|r| r.compatible.is_some() || r.latest.is_some())
        .count();
    let moved = rows
        .iter()
        .filter(|r| r.documents.iter().any(|d| d.status == "changed"))
        .count();
    if moved > 0 {
        lines.push(format!(
            "{moved} of {} models incorporate a document that changed since it was locked",
            rows.len()
        ));
    }
    lines.push(match outdated {
        0 => format!("All {} models are up to date", rows.len()),
        1 => format!("1 of {} models has a newer revision", rows.len()),
        n => format!("{n} of {} models have newer revisions", rows.len()),
    });
    lines
}

/// What a person reads about a candidate: whether its terms differ, how,
/// and the command to read them.
fn candidate(c: &Candidate, model: &str, how: &str) -> Vec<String> {
    if c.what_changed.is_empty() {
        return vec![format!(
            "{model} {} ({how}): the same license terms",
            c.label
        )];
    }
    let mut out = vec![format!("{model} {} ({how}): license changes:", c.label)];
    out.extend(c.what_changed.iter().map(|c| format!("  - {c}")));
    out.push(format!(
        "  read them before you take it: modellock diff {model} --to {}",
        c.tag.as_deref().unwrap_or(&c.revision)
    ));
    out
}

/// What a person reads about a document that reads otherwise now.
fn document(d: &DocumentNow, model: &str) -> Vec<String> {
    match d.status {
        "changed" => {
            let mut out = vec![format!(
                "{model}: the {} ({}) changed since it was locked:",
                d.title, d.url
            )];
            out.extend(d.what_changed.iter().map(|c| format!("  - {c}")));
            out.push(format!(
                "  `modellock update {model}` locks it, then `modellock diff {model}` shows it and `check` asks for a review"
            ));
            out
        }
        "unavailable" => vec![format!(
            "{model}: the {} ({}) cannot be read now ({}); the lock keeps the text read before",
            d.title,
            d.url,
            d.why.as_deref().unwrap_or("unavailable")
        )],
        _ => vec![format!(
            "{model}: the {} ({}) can be read now; it was not when the model was locked: `modellock update {model}` locks it",
            d.title, d.url
        )],
    }
}

fn locked_label(l: &LockedModel) -> String {
    match &l.tag {
        Some(t) => format!("{t} ({})", short_id(&l.revision)),
        None => match l.requested.as_deref() {
            Some(r) if r != l.revision && !crate::source::hf::is_commit(r) => {
                format!("{r}@{}", short_id(&l.revision))
            }
            _ => short_id(&l.revision).to_owned(),
        },
    }
}

/// The table: model, locked, compatible, latest.
fn table(rows: &[Row<'_>]) -> Vec<String> {
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|r| {
            let locked = r.locked.map(locked_label).unwrap_or_else(|| "—".into());
            let compat = match (&r.compatible, r.note) {
                (Some(c), _) => c.label.clone(),
                (None, Some(_)) => "—".into(),
                (None, None) => "=".into(),
            };
            let latest = match (&r.latest, &r.compatible, r.note) {
                (Some(c), _, _) => c.label.clone(),
                (None, Some(c), _) => c.label.clone(),
                (None, None, Some(n)) => n.to_owned(),
                (None, None, None) => "=".into(),
            };
            [r.entry.name.clone(), locked, compat, latest]
        })
        .collect();
    let head = ["Model", "Locked", "Compatible", "Latest"].map(str::to_owned);
    crate::output::columns(&[vec![head], cells].concat())
}
