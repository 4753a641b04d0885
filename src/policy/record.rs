//! What `review` may record: approval of a model's locked terms only when
//! they are current and need it, an acceptance only of a finding `check`
//! reports now — and why not, otherwise (a refusal, exit 2).

use super::gate::{Acceptable, Verdict};
use super::{standing, Standing};
use crate::date::Date;
use crate::diag::{Code, Diag};
use crate::lock::{Lock, LockedModel};
use crate::manifest::{Finding, Manifest, ModelEntry};
use crate::resolve::stale;

/// A refusal: nothing is written, and the diagnostic points at the model.
pub fn refusal(
    manifest: &Manifest,
    entry: &ModelEntry,
    code: Code,
    message: String,
    help: String,
) -> Diag {
    Diag::error(code, message)
        .with_model(entry.name.clone())
        .with_label(manifest.file, entry.anchor(), "this model")
        .with_help(help)
}

/// The model's locked terms, when the lock has them and matches the
/// manifest entry.
pub fn locked_terms<'l>(
    manifest: &Manifest,
    entry: &ModelEntry,
    lock: Option<&'l Lock>,
) -> Result<&'l LockedModel, Diag> {
    let name = &entry.name;
    let help = format!("run `modellock update {name}`, read the terms it locks, then review");
    let Some(lock) = lock else {
        // no lock is no locked terms: refused, as a stale lock is
        return Err(refusal(
            manifest,
            entry,
            Code::ReviewStaleLock,
            format!("there is no models.lock, so `{name}` has no locked terms to review"),
            help,
        ));
    };
    lock.model(name)
        .filter(|l| stale::differences(entry, l).is_empty())
        .ok_or_else(|| {
            refusal(
                manifest,
                entry,
                Code::ReviewStaleLock,
                format!("the lock of `{name}` does not match models.toml, so there are no locked terms to review"),
                help,
            )
        })
}

/// Why the locked terms need no review (the policy allows or denies the
/// license, or a live review approves them already); `None` when a review
/// is what they need.
pub fn review_needless(
    manifest: &Manifest,
    entry: &ModelEntry,
    locked: &LockedModel,
    today: Date,
) -> Option<Diag> {
    let name = &entry.name;
    let license = locked.license.as_deref().unwrap_or("no declared license");
    let (code, message, help) = match standing(manifest, entry, locked, today) {
        Standing::Allowed => (
            Code::ReviewNotNeeded,
            format!("`{name}` has `{license}`, which `policy.allow` accepts without a review"),
            "nothing to record; to require reviews for this license, remove it from `policy.allow`"
                .to_owned(),
        ),
        Standing::Denied => (
            Code::ReviewNotNeeded,
            format!("`{name}` has `{license}`, which `policy.deny` refuses whatever a review says"),
            "replace the model, or change `policy.deny` if legal agrees".to_owned(),
        ),
        Standing::Reviewed => (
            Code::ReviewAlreadyReviewed,
            format!(
                "the locked terms of `{name}` ({}) are already reviewed",
                locked.license_digest
            ),
            "earlier records stay as they are; nothing to add".to_owned(),
        ),
        Standing::Unreviewed => return None,
    };
    Some(refusal(manifest, entry, code, message, help))
}

/// The one finding of the gate's `verdict` that an acceptance of `finding`
/// (of `ancestor`, when named) for the model clears.
pub fn acceptance_target(
    manifest: &Manifest,
    entry: &ModelEntry,
    verdict: &Verdict,
    finding: Finding,
    ancestor: Option<&str>,
) -> Result<Acceptable, Diag> {
    let name = &entry.name;
    let candidates: Vec<&Acceptable> = verdict
        .acceptable
        .iter()
        .filter(|a| a.model == *name && a.finding == finding)
        .filter(|a| {
            ancestor.is_none_or(|want| {
                a.ancestor
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(want))
            })
        })
        .collect();
    match candidates.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let what = match (finding, ancestor) {
                (Finding::CardMismatch, _) => "no card mismatch".to_owned(),
                (Finding::ScanFlagged, _) => "no file the Hub's scan flags".to_owned(),
                (Finding::RestrictedParent, Some(a)) => {
                    format!("no restricted parent `{a}` that can be accepted")
                }
                (Finding::RestrictedParent, None) => {
                    "no restricted parent that can be accepted".to_owned()
                }
            };
            Err(refusal(
                manifest,
                entry,
                Code::ReviewNotNeeded,
                format!("`check` finds {what} for `{name}`"),
                "nothing to accept: an acceptance is for a finding `check` reports (a denied license is never acceptable); run `modellock check` to see them".to_owned(),
            ))
        }
        many => {
            let list: Vec<&str> = many.iter().filter_map(|a| a.ancestor.as_deref()).collect();
            Err(refusal(
                manifest,
                entry,
                Code::ReviewAmbiguous,
                format!("`{name}` has {} restricted parents: {}", many.len(), list.join(", ")),
                format!("name one: `modellock review {name} --accept restricted-parent --ancestor {} --reason TICKET`", list.first().copied().unwrap_or("ORG/NAME")),
            ))
        }
    }
}

/// A record needs a reviewer.
pub fn no_reviewer(name: &str) -> Diag {
    Diag::error(
        Code::ReviewNoReviewer,
        "no reviewer: pass `--reviewer` (git has no user.email here)",
    )
    .with_model(name.to_owned())
    .with_help(format!(
        "e.g. `modellock review {name} --reviewer legal@example.com`"
    ))
}

/// A record cannot expire before its date.
pub fn expiry_problem(expires: Option<Date>, date: Date) -> Option<Diag> {
    let e = expires.filter(|e| *e < date)?;
    Some(
        Diag::error(
            Code::ManifestInvalidValue,
            format!("`--expires {e}` is before the date {date}"),
        )
        .with_help("give an expiry after the date of the record"),
    )
}
