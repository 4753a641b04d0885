//! A finding of `audit` with its verdict: the reference, where it is, and
//! how it stands against models.toml and models.lock.

use super::status::{Judge, Status, Verdict};
use super::{At, Confidence, Finding, Location};
use crate::diag::{Diag, FileId};
use crate::lock::Lock;

/// A finding with its verdict, ready to report.
pub struct Judged {
    pub finding: Finding,
    pub verdict: Verdict,
    /// The display path and the file registered for snippets.
    pub shown: String,
    pub file: Option<FileId>,
}

impl Judged {
    /// The finding as a diagnostic: `None` for a reference that is locked.
    pub fn diagnostic(&self, lock: Option<&Lock>) -> Option<Diag> {
        let j = self;
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
        let d: Diag = match j.verdict.status {
            Status::Locked => return None,
            Status::Unlocked => super::Unlocked {
                at,
                revision: j.finding.reference.revision().map(str::to_owned),
            }
            .into(),
            Status::Unpinned => super::Unpinned {
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
                super::RevisionMismatch {
                    revision: j.finding.reference.revision().map(str::to_owned),
                    at,
                    entry,
                    locked,
                }
                .into()
            }
        };
        // documentation, tests and recordings name models the product
        // does not run: listed in the report apart, never a failure
        j.finding.kind.is_product().then_some(d)
    }
}

impl Judged {
    /// The line and column of a finding in a file.
    pub fn line_column(&self) -> (Option<usize>, Option<usize>) {
        let j = self;
        match &j.finding.location {
            Location::Text { line, column, .. } => (Some(*line), Some(*column)),
            Location::Store { .. } => (None, None),
        }
    }
}

impl Judge<'_> {
    /// Every finding (with where it is shown) judged; low-confidence ones
    /// only with `guesses`. Also how many low-confidence findings there are.
    pub fn all(
        &self,
        findings: Vec<(Finding, String, Option<FileId>)>,
        guesses: bool,
    ) -> (Vec<Judged>, usize) {
        let low = findings
            .iter()
            .filter(|(f, _, _)| f.confidence == Confidence::Low)
            .count();
        let judged = findings
            .into_iter()
            .filter(|(f, _, _)| guesses || f.confidence == Confidence::High)
            .map(|(finding, shown, file)| Judged {
                verdict: self.judge(&finding.reference),
                finding,
                shown,
                file,
            })
            .collect();
        (judged, low)
    }
}
