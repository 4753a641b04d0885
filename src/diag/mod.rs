//! Diagnostics: one value type ([`Diag`]) that every area converts its named
//! diagnostic structs into, the registry of source files they point into, and
//! the renderers (human via miette, JSON).

mod code;
mod files;
pub mod github;
pub mod gitlab;
pub mod render;
pub mod sarif;

pub use code::Code;
pub use files::{FileId, Files};

use serde::Serialize;
use std::ops::Range;

/// How serious a diagnostic is. Only errors change the exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Advice,
    Warning,
    Error,
}

/// A span of a source file with a short text saying what is there.
#[derive(Clone, Debug)]
pub struct Label {
    pub file: FileId,
    pub span: Range<usize>,
    pub text: String,
}

/// One diagnostic, ready to be rendered in any output format.
#[derive(Clone, Debug)]
pub struct Diag {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// The model (entry name in `models.toml`) the diagnostic concerns.
    pub model: Option<String>,
    pub help: Option<String>,
    pub labels: Vec<Label>,
}

impl Diag {
    pub fn new(code: Code, severity: Severity, message: impl Into<String>) -> Self {
        Diag {
            code,
            severity,
            message: message.into(),
            model: None,
            help: None,
            labels: Vec::new(),
        }
    }

    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, message)
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        // the code table says which codes are warnings (SARIF rules show it);
        // a use conflict is a warning when the model's modality is unknown
        debug_assert!(
            code.default_level() == "warning" || code == Code::PolicyUseConflict,
            "{code} is an error code in the code table"
        );
        Self::new(code, Severity::Warning, message)
    }

    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a label; a label without a span (`None`) is skipped, so callers can
    /// pass optional spans straight through.
    pub fn with_label(
        mut self,
        file: FileId,
        span: Option<Range<usize>>,
        text: impl Into<String>,
    ) -> Self {
        if let Some(span) = span {
            self.labels.push(Label {
                file,
                span,
                text: text.into(),
            });
        }
        self
    }

    /// True when this diagnostic means the command could not run (exit 2).
    pub fn is_fatal(&self) -> bool {
        self.severity == Severity::Error && self.code.is_fatal()
    }
}

/// Counts of a set of diagnostics, and the exit status they imply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub advice: usize,
}

impl Counts {
    pub fn of(diags: &[Diag]) -> Self {
        let mut c = Counts::default();
        for d in diags {
            match d.severity {
                Severity::Error => c.errors += 1,
                Severity::Warning => c.warnings += 1,
                Severity::Advice => c.advice += 1,
            }
        }
        c
    }
}

/// The exit status a set of diagnostics implies: 2 when any error means the
/// command could not run, 1 when any other error was found, 0 otherwise.
pub fn exit_status(diags: &[Diag]) -> u8 {
    if diags.iter().any(Diag::is_fatal) {
        2
    } else if diags.iter().any(|d| d.severity == Severity::Error) {
        1
    } else {
        0
    }
}

/// Whether any diagnostic is an error (warnings and advice never stop a
/// command nor change its exit status).
pub fn has_errors(diags: &[Diag]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}

/// Words (and candidates) longer than this get no suggestion: no name
/// modellock knows is near it.
const MAX_SUGGESTED: usize = 256;

/// "did you mean" helper: the candidate closest to `word`, when close enough.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    // no suggestion for what is far longer than any name (a crafted 10 MB
    // id would otherwise cost seconds per candidate)
    if word.len() > MAX_SUGGESTED {
        return None;
    }
    let word_l = word.to_ascii_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for cand in candidates {
        let limit = (cand.len().max(word.len()) / 3).max(1);
        // the distance is at least the difference in length
        if cand.len().abs_diff(word.len()) > limit || cand.len() > MAX_SUGGESTED {
            continue;
        }
        let d = levenshtein(&word_l, &cand.to_ascii_lowercase());
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, cand));
        }
    }
    best.map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys() {
        let keys = [
            "source", "revision", "files", "license", "base", "review", "version",
        ];
        assert_eq!(did_you_mean("revison", keys), Some("revision"));
        assert_eq!(did_you_mean("Source", keys), Some("source"));
        assert_eq!(did_you_mean("file", keys), Some("files"));
        assert_eq!(did_you_mean("zzzzzz", keys), None);
        // a crafted huge word gets no suggestion, and no quadratic work
        assert_eq!(did_you_mean(&"apache-2.0".repeat(1 << 20), keys), None);
        assert_eq!(
            did_you_mean("apache-2.0x", ["apache-2.0"]),
            Some("apache-2.0")
        );
    }
}
