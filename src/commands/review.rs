//! `modellock review MODEL --reviewer WHO [--note] [--date] [--expires]`:
//! record approval of the locked license terms in models.toml. Records are
//! appended; earlier ones stay as the history.

use super::{write_manifest, Context};
use crate::date::Date;
use crate::diag::{Code, Diag, Files};
use crate::manifest::{edit, Finding};
use crate::policy::{self, Standing};
use crate::project::{LockNeed, Project};
use crate::resolve::stale;

#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    /// The model whose locked terms were approved.
    pub model: String,
    /// Who approved them (default: `git config user.email`).
    #[arg(long)]
    pub reviewer: Option<String>,
    /// A note, e.g. the legal ticket.
    #[arg(long)]
    pub note: Option<String>,
    /// The date of the approval (default: today).
    #[arg(long, value_parser = parse_date)]
    pub date: Option<Date>,
    /// The review no longer counts after this date.
    #[arg(long, value_parser = parse_date)]
    pub expires: Option<Date>,
    /// Instead of approving the terms, accept a finding for the locked
    /// terms: `card-mismatch` or `restricted-parent`.
    #[arg(long, value_enum, value_name = "FINDING", requires = "reason")]
    pub accept: Option<Finding>,
    /// With `--accept restricted-parent`: the ancestor (Hub id) whose
    /// terms are accepted (default: the only restricted one).
    #[arg(long, value_name = "ORG/NAME", requires = "accept")]
    pub ancestor: Option<String>,
    /// With `--accept`: why the finding is acceptable (e.g. the ticket).
    #[arg(long, value_name = "TEXT", requires = "accept")]
    pub reason: Option<String>,
}

fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("`{s}` is not a date (YYYY-MM-DD)"))
}

pub fn run(ctx: &Context, args: &ReviewArgs) -> u8 {
    let Project {
        manifest,
        lock,
        files,
        ..
    } = match ctx.load(LockNeed::Optional) {
        Ok(p) => p,
        Err(status) => return status,
    };
    let name = &args.model;
    let Some(entry) = manifest.model(name) else {
        return ctx.fail(&[super::unknown_model(&manifest, name)], &files);
    };
    // no lock is no locked terms: a refusal (exit 2), as a stale lock is
    let (lock, lock_file) = match lock {
        Some(loaded) => loaded,
        None => {
            let d = refusal(
                &manifest,
                entry,
                Code::ReviewStaleLock,
                format!("there is no models.lock, so `{name}` has no locked terms to review"),
                format!("run `modellock update {name}`, read the terms it locks, then review"),
            );
            return ctx.fail(&[d], &files);
        }
    };
    let refuse =
        |code: Code, message: String, help: String| refusal(&manifest, entry, code, message, help);
    let Some(locked) = lock
        .model(name)
        .filter(|l| stale::differences(entry, l).is_empty())
    else {
        let d = refuse(
            Code::ReviewStaleLock,
            format!("the lock of `{name}` does not match models.toml, so there are no locked terms to review"),
            format!("run `modellock update {name}`, read the terms it locks, then review"),
        );
        return ctx.fail(&[d], &files);
    };
    if let Some(finding) = args.accept {
        let project = Loaded {
            manifest: &manifest,
            entry,
            lock: &lock,
            lock_file,
            files: &files,
        };
        return accept(ctx, args, finding, &project);
    }
    let standing = policy::standing(&manifest, entry, locked, ctx.today);
    let license = locked.license.as_deref().unwrap_or("no declared license");
    let problem = match standing {
        Standing::Allowed => Some((
            Code::ReviewNotNeeded,
            format!("`{name}` has `{license}`, which `policy.allow` accepts without a review"),
            "nothing to record; to require reviews for this license, remove it from `policy.allow`"
                .to_owned(),
        )),
        Standing::Denied => Some((
            Code::ReviewNotNeeded,
            format!("`{name}` has `{license}`, which `policy.deny` refuses whatever a review says"),
            "replace the model, or change `policy.deny` if legal agrees".to_owned(),
        )),
        Standing::Reviewed => Some((
            Code::ReviewAlreadyReviewed,
            format!(
                "the locked terms of `{name}` ({}) are already reviewed",
                locked.license_digest
            ),
            "earlier records stay as they are; nothing to add".to_owned(),
        )),
        Standing::Unreviewed => None,
    };
    if let Some((code, message, help)) = problem {
        return ctx.fail(&[refuse(code, message, help)], &files);
    }
    let Some(reviewer) = reviewer_or_git(args, &manifest) else {
        return ctx.fail(&[no_reviewer(name)], &files);
    };
    let date = args.date.unwrap_or(ctx.today);
    if let Some(d) = expiry_problem(args.expires, date) {
        return ctx.fail(&[d], &files);
    }
    let record = edit::NewReview {
        license_digest: &locked.license_digest,
        reviewer: &reviewer,
        date,
        note: args.note.as_deref(),
        expires: args.expires,
        license: locked.license.as_deref(),
        revision: Some(&locked.revision),
    };
    let text = files.text(manifest.file).to_string();
    if let Err(status) = write_manifest(
        ctx,
        &manifest,
        &files,
        edit::add_review(&text, name, &record),
        "add a review",
    ) {
        return status;
    }
    let gaps = crate::license::store::gaps(
        &crate::license::Store::beside(&manifest.path),
        &locked.held(),
        &mut Default::default(),
    );
    if !gaps.is_empty() {
        ctx.out.status(
            "Warning",
            &format!("the license store (.modellock/) lacks some texts of these terms: run `modellock update {name}` so the reviewed text is kept, and commit .modellock/"),
        );
    }
    ctx.out.status(
        "Reviewed",
        &format!(
            "`{name}` ({license}, {}) by {reviewer} on {date}; commit models.toml",
            locked.license_digest
        ),
    );
    let mut extra = serde_json::Map::new();
    extra.insert(
        "review".into(),
        serde_json::json!({
            "model": name, "license-digest": locked.license_digest, "reviewer": reviewer, "date": date.to_string(),
            "note": args.note, "expires": args.expires.map(|e| e.to_string()), "license": locked.license, "revision": locked.revision,
        }),
    );
    ctx.out.done(&files, Some(manifest.models.len()), extra);
    0
}

/// `review` refuses: nothing is written (exit 2), pointing at the model.
fn refusal(
    manifest: &crate::manifest::Manifest,
    entry: &crate::manifest::ModelEntry,
    code: Code,
    message: String,
    help: String,
) -> Diag {
    Diag::error(code, message)
        .with_model(entry.name.clone())
        .with_label(manifest.file, entry.anchor(), "this model")
        .with_help(help)
}

/// What `review` loaded.
struct Loaded<'a> {
    manifest: &'a crate::manifest::Manifest,
    entry: &'a crate::manifest::ModelEntry,
    lock: &'a crate::lock::Lock,
    lock_file: crate::diag::FileId,
    files: &'a Files,
}

/// `review MODEL --accept FINDING`: records an acceptance of a finding
/// `check` reports for the model now, for the exact digest it is about.
fn accept(ctx: &Context, args: &ReviewArgs, finding: Finding, p: &Loaded<'_>) -> u8 {
    let (manifest, lock, lock_file, files) = (p.manifest, p.lock, p.lock_file, p.files);
    let name = &args.model;
    let refuse =
        |code: Code, message: String, help: String| refusal(manifest, p.entry, code, message, help);
    let store = crate::license::Store::beside(&manifest.path);
    let verdict = policy::gate::judge(manifest, lock, lock_file, &store, ctx.today);
    let candidates: Vec<_> = verdict
        .acceptable
        .iter()
        .filter(|a| a.model == *name && a.finding == finding)
        .filter(|a| {
            args.ancestor.as_deref().is_none_or(|want| {
                a.ancestor
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(want))
            })
        })
        .collect();
    let target = match candidates.as_slice() {
        [one] => (*one).clone(),
        [] => {
            let what = match (finding, &args.ancestor) {
                (Finding::CardMismatch, _) => "no card mismatch".to_owned(),
                (Finding::RestrictedParent, Some(a)) => {
                    format!("no restricted parent `{a}` that can be accepted")
                }
                (Finding::RestrictedParent, None) => {
                    "no restricted parent that can be accepted".to_owned()
                }
            };
            let d = refuse(
                Code::ReviewNotNeeded,
                format!("`check` finds {what} for `{name}`"),
                "nothing to accept: an acceptance is for a finding `check` reports (a denied license is never acceptable); run `modellock check` to see them".to_owned(),
            );
            return ctx.fail(&[d], files);
        }
        many => {
            let list: Vec<&str> = many.iter().filter_map(|a| a.ancestor.as_deref()).collect();
            let d = refuse(
                Code::ReviewAmbiguous,
                format!("`{name}` has {} restricted parents: {}", many.len(), list.join(", ")),
                format!("name one: `modellock review {name} --accept restricted-parent --ancestor {} --reason TICKET`", list[0]),
            );
            return ctx.fail(&[d], files);
        }
    };
    let Some(reviewer) = reviewer_or_git(args, manifest) else {
        return ctx.fail(&[no_reviewer(name)], files);
    };
    let date = args.date.unwrap_or(ctx.today);
    if let Some(d) = expiry_problem(args.expires, date) {
        return ctx.fail(&[d], files);
    }
    let record = edit::NewAcceptance {
        finding,
        license_digest: &target.digest,
        ancestor: target.ancestor.as_deref(),
        reviewer: &reviewer,
        date,
        reason: args.reason.as_deref().unwrap_or_default(),
        expires: args.expires,
    };
    let text = files.text(manifest.file).to_string();
    if let Err(status) = write_manifest(
        ctx,
        manifest,
        files,
        edit::add_acceptance(&text, name, &record),
        "add an acceptance",
    ) {
        return status;
    }
    let what = match &target.ancestor {
        Some(a) => format!("restricted parent {a}"),
        None => "card mismatch".to_owned(),
    };
    ctx.out.status(
        "Accepted",
        &format!(
            "the {what} of `{name}` for terms {} by {reviewer} on {date}; commit models.toml",
            target.digest
        ),
    );
    let mut extra = serde_json::Map::new();
    extra.insert(
        "acceptance".into(),
        serde_json::json!({
            "model": name, "finding": finding.as_str(), "ancestor": target.ancestor,
            "license-digest": target.digest, "reviewer": reviewer, "date": date.to_string(),
            "reason": args.reason, "expires": args.expires.map(|e| e.to_string()),
        }),
    );
    ctx.out.done(files, Some(manifest.models.len()), extra);
    0
}

/// `--reviewer`, else `git config user.email`.
fn reviewer_or_git(args: &ReviewArgs, manifest: &crate::manifest::Manifest) -> Option<String> {
    args.reviewer
        .clone()
        .filter(|r| !r.trim().is_empty())
        .or_else(|| git_email(manifest.dir()))
}

fn no_reviewer(name: &str) -> Diag {
    Diag::error(
        Code::ReviewNoReviewer,
        "no reviewer: pass `--reviewer` (git has no user.email here)",
    )
    .with_model(name.to_owned())
    .with_help(format!(
        "e.g. `modellock review {name} --reviewer legal@example.com`"
    ))
}

fn expiry_problem(expires: Option<Date>, date: Date) -> Option<Diag> {
    let e = expires.filter(|e| *e < date)?;
    Some(
        Diag::error(
            Code::ManifestInvalidValue,
            format!("`--expires {e}` is before the date {date}"),
        )
        .with_help("give an expiry after the date of the record"),
    )
}

/// `git config user.email` in the manifest's directory.
fn git_email(dir: &std::path::Path) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["config", "user.email"])
        .current_dir(dir)
        .output()
        .ok()?;
    let email = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && !email.is_empty()).then_some(email)
}
