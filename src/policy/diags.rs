//! Diagnostics of the policy and review checks.

use crate::date::Date;
use crate::diag::{Code, Diag, FileId};
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

    /// The command that records approval, and the record it writes.
    fn how_to_review(&self) -> String {
        format!(
            "once legal has approved these exact terms, record it with\n\n  modellock review {} --reviewer legal@example.com --note TICKET\n\nwhich appends to models.toml:\n\n  [[models.{}.review]]\n  license-digest = \"{}\"\n  reviewer = \"legal@example.com\"\n  date = {}",
            self.model, self.model, self.digest, self.today
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
            "add the license to `policy.allow` if it is acceptable for every use; otherwise, {}",
            d.how_to_review()
        ))
    }
}

pub struct Changed {
    pub base: ReviewNeeded,
    pub reviewer: String,
    pub date: Date,
    pub reviewed_digest: String,
    pub review_span: Span,
}

impl From<Changed> for Diag {
    fn from(d: Changed) -> Diag {
        let b = &d.base;
        Diag::error(
            Code::LicenseChanged,
            format!(
                "the license terms of model `{}` changed since {} reviewed them on {}",
                b.model, d.reviewer, d.date
            ),
        )
        .with_model(b.model.clone())
        .with_label(b.file, d.review_span.clone(), format!("reviewed terms {}", d.reviewed_digest))
        .with_label(b.lock_file, b.lock_span.clone(), format!("locked terms {}", b.digest))
        .with_help(format!(
            "the locked terms ({}) are not the reviewed ones; read what changed before approving; {}",
            b.license_text(),
            b.how_to_review()
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
        .with_help(format!(
            "the terms need a new review; {}",
            b.how_to_review()
        ))
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
