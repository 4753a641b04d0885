//! `modellock review MODEL --reviewer WHO [--note] [--date] [--expires]`:
//! record approval of the locked license terms in models.toml. Records are
//! appended; earlier ones stay as the history.

use super::{write_manifest, Context};
use crate::date::Date;
use crate::diag::Files;
use crate::license::Store;
use crate::lock::LockedModel;
use crate::manifest::Manifest;
use crate::manifest::{edit, Finding};
use crate::policy::gate::Acceptable;
use crate::policy::{self, record};
use crate::project::{LockNeed, Project};
use crate::report::review::{AcceptanceRecord, Report, ReviewRecord};

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
    let _lock = match ctx.lock_project() {
        Ok(l) => l,
        Err(status) => return status,
    };
    let Project {
        manifest,
        lock,
        files,
        store,
        ..
    } = match ctx.load(LockNeed::Optional) {
        Ok(p) => p,
        Err(status) => return status,
    };
    let name = &args.model;
    let Some(entry) = manifest.model(name) else {
        return ctx.fail(&[super::unknown_model(&manifest, name)], &files);
    };
    let Some((lock, lock_file)) = &lock else {
        let d = record::locked_terms(&manifest, entry, None).err();
        return ctx.fail(&d.into_iter().collect::<Vec<_>>(), &files);
    };
    let locked = match record::locked_terms(&manifest, entry, Some(lock)) {
        Ok(l) => l,
        Err(d) => return ctx.fail(&[d], &files),
    };
    let verdict;
    let acceptance = match args.accept {
        Some(finding) => {
            verdict = policy::gate::judge(&manifest, lock, *lock_file, &store, ctx.today);
            let ancestor = args.ancestor.as_deref();
            match record::acceptance_target(&manifest, entry, &verdict, finding, ancestor) {
                Ok(target) => Some((finding, target)),
                Err(d) => return ctx.fail(&[d], &files),
            }
        }
        None => match record::review_needless(&manifest, entry, locked, ctx.today) {
            Some(d) => return ctx.fail(&[d], &files),
            None => None,
        },
    };
    let Some(reviewer) = reviewer_or_git(args, &manifest) else {
        return ctx.fail(&[record::no_reviewer(name)], &files);
    };
    let date = args.date.unwrap_or(ctx.today);
    if let Some(d) = record::expiry_problem(args.expires, date) {
        return ctx.fail(&[d], &files);
    }
    let w = Writing {
        ctx,
        args,
        manifest: &manifest,
        files: &files,
        reviewer: &reviewer,
        date,
    };
    let written = match &acceptance {
        Some((finding, target)) => w.acceptance(*finding, target),
        None => w.review(locked, &store),
    };
    let report = match written {
        Ok(report) => report,
        Err(status) => return status,
    };
    let extra = crate::output::fields(&report);
    ctx.out.done(&files, Some(manifest.models.len()), extra);
    0
}

/// Writes one record to models.toml and says so.
struct Writing<'a> {
    ctx: &'a Context,
    args: &'a ReviewArgs,
    manifest: &'a Manifest,
    files: &'a Files,
    reviewer: &'a str,
    date: Date,
}

impl<'a> Writing<'a> {
    fn acceptance(&self, finding: Finding, target: &'a Acceptable) -> Result<Report<'a>, u8> {
        let (ctx, name, reviewer, date) = (self.ctx, &self.args.model, self.reviewer, self.date);
        let record = edit::NewAcceptance {
            finding,
            license_digest: &target.digest,
            ancestor: target.ancestor.as_deref(),
            reviewer,
            date,
            reason: self.args.reason.as_deref().unwrap_or_default(),
            expires: self.args.expires,
        };
        let text = self.files.text(self.manifest.file);
        let edited = edit::add_acceptance(text, name, &record);
        write_manifest(ctx, self.manifest, self.files, edited, "add an acceptance")?;
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
        Ok(Report {
            review: None,
            acceptance: Some(AcceptanceRecord {
                model: name,
                finding: finding.as_str(),
                ancestor: target.ancestor.as_deref(),
                license_digest: &target.digest,
                reviewer,
                date: date.to_string(),
                reason: self.args.reason.as_deref(),
                expires: self.args.expires.map(|e| e.to_string()),
            }),
        })
    }

    fn review(&self, locked: &'a LockedModel, store: &Store) -> Result<Report<'a>, u8> {
        let (ctx, name, reviewer, date) = (self.ctx, &self.args.model, self.reviewer, self.date);
        let documents_digest = locked
            .documents_digest
            .as_deref()
            .filter(|_| !locked.documents.is_empty());
        let record = edit::NewReview {
            license_digest: &locked.license_digest,
            documents_digest,
            reviewer,
            date,
            note: self.args.note.as_deref(),
            expires: self.args.expires,
            license: locked.license.as_deref(),
            revision: Some(&locked.revision),
        };
        let text = self.files.text(self.manifest.file);
        let edited = edit::add_review(text, name, &record);
        write_manifest(ctx, self.manifest, self.files, edited, "add a review")?;
        if !crate::license::store::gaps(store, &locked.held(), &mut Default::default()).is_empty() {
            ctx.out.status(
                "Warning",
                &format!("the license store (.modellock/) lacks some texts of these terms: run `modellock update {name}` so the reviewed text is kept, and commit .modellock/"),
            );
        }
        let license = locked.license.as_deref().unwrap_or("no declared license");
        ctx.out.status(
            "Reviewed",
            &format!(
                "`{name}` ({license}, {}) by {reviewer} on {date}; commit models.toml",
                locked.license_digest
            ),
        );
        Ok(Report {
            review: Some(ReviewRecord {
                model: name,
                license_digest: &locked.license_digest,
                documents_digest,
                reviewer,
                date: date.to_string(),
                note: self.args.note.as_deref(),
                expires: self.args.expires.map(|e| e.to_string()),
                license: locked.license.as_deref(),
                revision: &locked.revision,
            }),
            acceptance: None,
        })
    }
}

/// `--reviewer`, else `git config user.email`.
fn reviewer_or_git(args: &ReviewArgs, manifest: &crate::manifest::Manifest) -> Option<String> {
    args.reviewer
        .clone()
        .filter(|r| !r.trim().is_empty())
        .or_else(|| git_email(manifest.dir()))
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
