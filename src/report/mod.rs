//! What commands report, beyond their diagnostics: typed reports (JSON
//! through serde) and the human lines made of them. [`crate::output`]
//! prints them in the format asked for.

pub mod audit;
pub mod diff;
pub mod fetch;
pub mod licenses;
pub mod outdated;
pub mod records;
pub mod review;
pub mod update;
pub mod verify;

use crate::diag::Diag;
use crate::manifest::{Manifest, ModelEntry};
use crate::source::Failure;
use anstyle::{AnsiColor, Style};

/// The styles of human reports.
pub const ADDED: Style = AnsiColor::Green.on_default().bold();
pub const REMOVED: Style = AnsiColor::Yellow.on_default().bold();
pub const ALERT: Style = AnsiColor::Red.on_default().bold();

/// `text` in `style` when colour is on.
pub fn paint(color: bool, style: Style, text: &str) -> String {
    if color {
        format!("{style}{text}{style:#}")
    } else {
        text.to_owned()
    }
}

/// A verb right-aligned in the 12 columns cargo uses (`   Updating`).
pub fn verb(color: bool, style: Style, verb: &str) -> String {
    paint(color, style, &format!("{verb:>12}"))
}

/// "1 model" / "3 models".
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A source failure as a diagnostic on its manifest entry: at its
/// `revision` (or `version`) when the failure is about the revision, else
/// at its `source`.
pub fn failure(manifest: &Manifest, entry: &ModelEntry, f: Failure) -> Diag {
    let span = if f.at_revision {
        entry
            .revision
            .as_ref()
            .and_then(|r| r.span.clone())
            .or_else(|| entry.version.as_ref().and_then(|v| v.span.clone()))
            .or_else(|| entry.source.span.clone())
    } else {
        entry.source.span.clone()
    };
    Diag::error(
        f.code,
        format!("cannot lock `{}`: {}", entry.name, f.message),
    )
    .with_model(entry.name.clone())
    .with_label(manifest.file, span, "cannot be locked")
    .with_help(f.help)
}
