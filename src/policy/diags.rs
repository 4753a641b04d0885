//! Diagnostics of the policy and review checks.

use crate::date::Date;
use crate::diag::{Code, Diag, FileId};
use crate::license::compare::{FileStatus, TermsDiff};
use crate::manifest::Finding;
use std::ops::Range;

type Span = Option<Range<usize>>;

pub struct Denied {
    pub model: String,
    pub license: String,
    pub file: FileId,
    pub entry_span: Span,
    pub deny_span: Span,
}

impl From<Denied> for Diag {
    fn from(d: Denied) -> Diag {
        Diag::error(
            Code::PolicyDenied,
            format!("model `{}` has license `{}`, which policy denies", d.model, d.license),
        )
        .with_model(d.model)
        .with_label(d.file, d.entry_span, "this model")
        .with_label(d.file, d.deny_span, "denied here")
        .with_help("a denied license is never acceptable, reviewed or not: replace the model, or change `policy.deny` if legal agrees")
    }
}

/// What every "needs a review" diagnostic knows.
pub struct ReviewNeeded {
    pub model: String,
    pub license: Option<String>,
    pub digest: String,
    pub file: FileId,
    pub entry_span: Span,
    pub lock_file: FileId,
    pub lock_span: Span,
    pub today: Date,
}

impl ReviewNeeded {
    fn license_text(&self) -> String {
        match &self.license {
            Some(l) => format!("`{l}`"),
            None => "no declared license".to_owned(),
        }
    }

    /// The commands to read the terms and record their approval; they end
    /// every "needs a review" help.
    pub(crate) fn commands(&self) -> String {
        format!(
            "read the terms:    modellock diff {m}\nrecord approval:   modellock review {m} --reviewer legal@example.com --note TICKET",
            m = self.model
        )
    }

    /// What `review` appends to models.toml.
    fn record(&self) -> String {
        format!(
            "`review` appends the record\n  [[models.{}.review]]\n  license-digest = \"{}\"\n  reviewer = \"legal@example.com\"\n  date = {}",
            self.model, self.digest, self.today
        )
    }
}

impl From<ReviewNeeded> for Diag {
    fn from(d: ReviewNeeded) -> Diag {
        Diag::error(
            Code::LicenseUnreviewed,
            format!(
                "model `{}` has {}, which policy does not allow, and its terms have no review",
                d.model,
                d.license_text()
            ),
        )
        .with_model(d.model.clone())
        .with_label(d.file, d.entry_span.clone(), "needs a review")
        .with_label(
            d.lock_file,
            d.lock_span.clone(),
            format!("locked terms {}", d.digest),
        )
        .with_help(format!(
            "add the license to `policy.allow` if it is acceptable for every use; otherwise legal reviews these exact terms. {}\n\n{}",
            d.record(),
            d.commands()
        ))
    }
}

pub struct Changed {
    pub base: ReviewNeeded,
    pub reviewer: String,
    pub date: Date,
    pub reviewed_digest: String,
    pub review_span: Span,
    /// How the reviewed terms differ from the locked ones, when the store
    /// has both.
    pub drift: Option<TermsDiff>,
}

/// At most this many lines of "what changed" in a help.
const SUMMARY_LINES: usize = 12;

impl From<Changed> for Diag {
    fn from(d: Changed) -> Diag {
        let b = &d.base;
        let changed_files: Vec<&str> = d
            .drift
            .iter()
            .flat_map(|t| &t.files)
            .filter(|f| {
                matches!(
                    f.status,
                    FileStatus::Added | FileStatus::Removed | FileStatus::Changed
                )
            })
            .map(|f| f.path.as_str())
            .collect();
        let mut message = format!(
            "the license terms of model `{}` changed since {} reviewed them on {}",
            b.model, d.reviewer, d.date
        );
        if !changed_files.is_empty() {
            message.push_str(&format!(" ({} changed)", changed_files.join(", ")));
        }
        let what = match &d.drift {
            Some(t) => {
                let lines = t.summary();
                let mut s = String::from("what changed:\n");
                for line in lines.iter().take(SUMMARY_LINES) {
                    s.push_str(&format!("  {line}\n"));
                }
                if lines.len() > SUMMARY_LINES {
                    s.push_str(&format!("  … and {} more\n", lines.len() - SUMMARY_LINES));
                }
                s
            }
            None => format!(
                "the reviewed terms ({}) are not in the license store, so what changed cannot be shown offline\n",
                d.reviewed_digest
            ),
        };
        Diag::error(Code::LicenseChanged, message)
            .with_model(b.model.clone())
            .with_label(b.file, b.entry_span.clone(), "this model")
            .with_label(
                b.file,
                d.review_span.clone(),
                format!("newest review: terms {}", d.reviewed_digest),
            )
            .with_label(
                b.lock_file,
                b.lock_span.clone(),
                format!("locked terms {}", b.digest),
            )
            .with_help(format!(
                "{what}the locked terms ({}) need a new review before they are used:\n\n{}",
                b.license_text(),
                b.commands()
            ))
    }
}

pub struct ReviewExpired {
    pub base: ReviewNeeded,
    pub reviewer: String,
    pub expired_on: Date,
    pub review_span: Span,
}

impl From<ReviewExpired> for Diag {
    fn from(d: ReviewExpired) -> Diag {
        let b = &d.base;
        Diag::error(
            Code::LicenseReviewExpired,
            format!(
                "the review of model `{}`'s license terms by {} expired on {}",
                b.model, d.reviewer, d.expired_on
            ),
        )
        .with_model(b.model.clone())
        .with_label(b.file, d.review_span.clone(), "expired")
        .with_help(format!("the terms need a new review:\n\n{}", b.commands()))
    }
}

pub struct ExpectedMismatch {
    pub model: String,
    pub expected: String,
    pub locked: Option<String>,
    pub file: FileId,
    pub span: Span,
    pub lock_file: FileId,
    pub lock_span: Span,
}

impl From<ExpectedMismatch> for Diag {
    fn from(d: ExpectedMismatch) -> Diag {
        let locked = match &d.locked {
            Some(l) => format!("`{l}`"),
            None => "no license".to_owned(),
        };
        Diag::error(
            Code::LicenseExpectedMismatch,
            format!("model `{}` expects license `{}`, but the lock has {}", d.model, d.expected, locked),
        )
        .with_model(d.model)
        .with_label(d.file, d.span, "expected here")
        .with_label(d.lock_file, d.lock_span, format!("locked: {locked}"))
        .with_help("the source declares another license than you expect: check the model's terms, then fix `license` or choose another model")
    }
}

/// The card declares one license, a LICENSE file is another.
pub struct CardMismatch {
    pub model: String,
    pub declared: String,
    /// Who declares it: `card`, or (without a card) the GGUF header.
    pub declared_by: String,
    /// The GGUF header's license when it disagrees with the card: (file,
    /// license id).
    pub gguf: Option<(String, String)>,
    /// (path, identified id, confidence in hundredths)
    pub files: Vec<(String, String, u8)>,
    pub locked: Option<String>,
    /// The locked license digest an acceptance must name.
    pub digest: String,
    /// An acceptance on record that no longer holds, and why.
    pub void: Option<Voided>,
    pub file: FileId,
    pub entry_span: Span,
    pub lock_file: FileId,
    pub lock_span: Span,
}

/// An acceptance on record that does not hold for what is locked now.
pub struct Voided {
    pub reviewer: String,
    pub date: crate::date::Date,
    /// What is wrong with it: other terms, or expired.
    pub why: String,
    pub span: Span,
}

/// The one command that accepts a finding for what is locked now.
pub fn accept_command(model: &str, finding: Finding, ancestor: Option<&str>) -> String {
    let ancestor = ancestor
        .map(|a| format!(" --ancestor {a}"))
        .unwrap_or_default();
    format!(
        "modellock review {model} --accept {}{ancestor} --reason TICKET",
        finding.as_str()
    )
}

/// The sentence that opens a finding's help when an acceptance on record
/// does not hold.
fn void_note(void: &Option<Voided>) -> String {
    void.as_ref()
        .map(|v| {
            format!(
                "the acceptance on record ({}) does not hold: it {}. ",
                v.date, v.why
            )
        })
        .unwrap_or_default()
}

fn with_void(d: Diag, void: Option<Voided>, file: FileId) -> Diag {
    match void {
        Some(v) => d.with_label(
            file,
            v.span,
            format!("accepted by {} on {}, {}", v.reviewer, v.date, v.why),
        ),
        None => d,
    }
}

impl From<CardMismatch> for Diag {
    fn from(d: CardMismatch) -> Diag {
        let mut files: Vec<String> = d
            .files
            .iter()
            .map(|(path, id, c)| {
                if *c == 100 {
                    format!("`{path}` is the `{id}` text")
                } else {
                    format!("`{path}` reads as `{id}` ({c}% alike)")
                }
            })
            .collect();
        if let Some((file, id)) = &d.gguf {
            files.push(format!("the GGUF header of `{file}` says `{id}`"));
        }
        let locked = d.locked.as_deref().unwrap_or("no license");
        let diag = Diag::error(
            Code::LicenseCardMismatch,
            format!(
                "model `{}`'s {} declares `{}`, but {}",
                d.model,
                d.declared_by,
                d.declared,
                files.join(", ")
            ),
        )
        .with_model(d.model.clone())
        .with_label(d.file, d.entry_span, "this model")
        .with_label(
            d.lock_file,
            d.lock_span,
            format!("locked as the stricter: {locked}"),
        );
        let voided = void_note(&d.void);
        let why = if d.files.is_empty() {
            // only the GGUF header disagrees
            "the weights' own GGUF header names another license than the card: whoever converted or re-uploaded them may have relabelled them, so find out which terms really bind the weights (the original repo, its LICENSE). Policy applies to the card's license".to_owned()
        } else {
            format!("a card's `license:` is metadata anyone can edit; the license file of the weights is what binds you. The lock records the stricter license (`{locked}`) and policy applies to it")
        };
        with_void(diag, d.void, d.file).with_help(format!(
            "{voided}{why}. Read the terms (`modellock diff {m}`); when the model is acceptable under them, record that for these exact terms ({digest}):\n\n  {cmd}",
            m = d.model,
            digest = crate::hashing::short_id(&d.digest),
            cmd = accept_command(&d.model, Finding::CardMismatch, None),
        ))
    }
}

/// A base of a model, at any depth, under a license that is not acceptable.
pub struct RestrictedParent {
    pub model: String,
    pub ancestor: String,
    pub relation: String,
    /// Its license, `None` when the Hub does not have it.
    pub license: Option<String>,
    pub denied: bool,
    /// The chain from the model to the ancestor, e.g. `a → b → c`.
    pub chain: String,
    /// An entry of models.toml that locks the ancestor's repo without
    /// being on the model's `base` chain.
    pub other_entry: Option<String>,
    /// Whether the lock records the ancestor's terms (its license digest).
    pub terms_locked: bool,
    /// The digest an acceptance names: the ancestor's terms, or the
    /// model's own when the lock has none of the ancestor.
    pub digest: String,
    /// An acceptance on record that no longer holds, and why.
    pub void: Option<Voided>,
    pub file: FileId,
    pub entry_span: Span,
    pub lock_file: FileId,
    pub lock_span: Span,
}

impl From<RestrictedParent> for Diag {
    fn from(d: RestrictedParent) -> Diag {
        let license = match &d.license {
            Some(l) => format!("`{l}`"),
            None => "a license nobody could read (the Hub does not have the repo)".to_owned(),
        };
        let why = if d.denied {
            "which policy denies".to_owned()
        } else {
            "which policy does not allow and nobody reviewed".to_owned()
        };
        let help = if d.denied {
            format!(
                "a {} model stays bound by its base's license, whatever its own card says; a denied license is never acceptable: replace the model, or change `policy.deny` if legal agrees",
                d.relation
            )
        } else {
            let voided = void_note(&d.void);
            let base = match &d.other_entry {
                Some(e) => format!(
                    "entry `{e}` locks {anc} too, but it is not this model's `base`, and a repo is not its terms; when it is this model's parent, set `base = \"{e}\"` on `{m}` and its review counts",
                    anc = d.ancestor,
                    m = d.model
                ),
                None => format!(
                    "or lock the base as an entry of its own and review it (`modellock add hf:{anc} --name BASE`, then `base = \"BASE\"` on `{m}`)",
                    anc = d.ancestor,
                    m = d.model
                ),
            };
            let terms = if d.terms_locked {
                "these exact terms of the base"
            } else {
                "this model's locked terms (the lock has no terms of the base: `modellock update` locks them once its license files can be read; a gated base needs HF_TOKEN with access)"
            };
            format!(
                "{voided}a {rel} model stays bound by its base's license, whatever its own card says. Allow the license in `policy.allow` if it is acceptable for every use, {base}; or, when legal accepts the model under its base's terms, record that for {terms}:\n\n  {cmd}",
                rel = d.relation,
                cmd = accept_command(&d.model, Finding::RestrictedParent, Some(&d.ancestor)),
            )
        };
        let diag = Diag::error(
            Code::LineageRestrictedParent,
            format!(
                "model `{}` derives from {} ({}: {}) under {license}, {why}",
                d.model, d.ancestor, d.relation, d.chain
            ),
        )
        .with_model(d.model.clone())
        .with_label(d.file, d.entry_span, "derived model")
        .with_label(d.lock_file, d.lock_span, "its lineage is locked here");
        with_void(diag, d.void, d.file).with_help(help)
    }
}

/// How the product uses a model (`[use]`) breaks a condition of a license
/// it is bound by.
pub struct UseConflict {
    pub conflict: super::usage::Conflict,
    pub file: FileId,
    /// The `[use]` value in conflict.
    pub use_span: Span,
    pub entry_span: Span,
    pub lock_file: FileId,
    pub lock_span: Span,
}

impl From<UseConflict> for Diag {
    fn from(d: UseConflict) -> Diag {
        use super::usage::Issue;
        let c = &d.conflict;
        let license = &c.bound.license;
        let help = match &c.issue {
            Issue::Commercial => format!(
                "{} ({}). No review can grant commercial rights the license withholds: choose another model for a commercial product, set `commercial = false` in [use] if the product really is not commercial, or, when the licensor granted you a commercial license in writing, list `{license}` in `[use] agreements`",
                c.clause, c.source
            ),
            Issue::Users { .. } => format!(
                "above the threshold the `{license}` license grants nothing by itself: {} ({}). Get that license in writing before you pass the threshold and list `{license}` in `[use] agreements`, or use another model",
                c.clause, c.source
            ),
            Issue::Region { multimodal, .. } => {
                let first = match multimodal {
                    Some(true) => "",
                    _ => "if the model takes or produces images, audio or video, this applies; if it is text-only, nothing conflicts (its source gives no pipeline tag to tell). ",
                };
                format!(
                    "{first}The clause: \"{}\" ({}). It binds the licensee: a company or person domiciled there gets no rights, while end users of a product built on the model are exempt. Use a text-only model, or, when legal confirms that the clause does not bind your company, list `{license}` in `[use] agreements`",
                    c.clause, c.source
                )
            }
        };
        let label = match &c.issue {
            Issue::Commercial => "commercial use declared here".to_owned(),
            Issue::Users { limit, .. } => format!(
                "more than {} users",
                crate::license::obligations::group_digits(*limit)
            ),
            Issue::Region { regions, .. } => format!("in {}", super::usage::region_names(regions)),
        };
        let base = if c.is_error() {
            Diag::error(Code::PolicyUseConflict, c.message())
        } else {
            Diag::warning(Code::PolicyUseConflict, c.message())
        };
        base.with_model(c.model.clone())
            .with_label(d.file, d.use_span, label)
            .with_label(d.file, d.entry_span, "this model")
            .with_label(d.lock_file, d.lock_span, format!("bound by `{license}`"))
            .with_help(help)
    }
}
