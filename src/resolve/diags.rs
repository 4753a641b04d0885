//! Why an update cannot start: `--precise` outside what it takes, the Hub
//! needed while HF_HUB_OFFLINE is set.

use crate::diag::{Code, Diag};
use crate::manifest::{Manifest, ModelEntry};

/// `--precise` locks exactly one `hf:` model.
pub fn precise_problem(manifest: &Manifest, targets: &[&ModelEntry]) -> Option<Diag> {
    let [entry] = targets else {
        return Some(
            Diag::error(
                Code::UsageInvalid,
                "`--precise` locks one model: name exactly one",
            )
            .with_help("modellock update MODEL --precise REV"),
        );
    };
    if entry.source.value.is_hub() {
        return None;
    }
    Some(
        Diag::error(
            Code::SourcePreciseOutside,
            format!(
                "`update --precise` works for hf: models; `{}` is `{}`",
                entry.name, entry.source_raw
            ),
        )
        .with_model(entry.name.clone())
        .with_label(manifest.file, entry.source.span.clone(), "not a Hub model")
        .with_help(
            "for Ollama put the tag or `@sha256:` digest in the source; a path: source has no revisions",
        ),
    )
}

/// The first target that needs the Hub, when HF_HUB_OFFLINE is set.
pub fn offline_problem(manifest: &Manifest, targets: &[&ModelEntry]) -> Option<Diag> {
    let e = targets.iter().find(|e| e.source.value.is_hub())?;
    Some(
        Diag::error(
            Code::SourceOffline,
            "HF_HUB_OFFLINE is set, and update must ask the Hub what each revision is now",
        )
        .with_model(e.name.clone())
        .with_label(manifest.file, e.source.span.clone(), "needs the Hub")
        .with_help("unset HF_HUB_OFFLINE to update; `modellock check` works offline"),
    )
}
