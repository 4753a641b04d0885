//! The findings of `fetch`: one diagnostic per model the source refused,
//! per file served as other bytes than the locked ones, and per place that
//! could not be written.

use super::Problem;
use crate::diag::{Code, Diag, FileId};
use crate::lock::Lock;

/// The diagnostics of `fetch`'s problems, each pointing at the model's
/// entry in models.lock.
pub fn diags(problems: &[Problem], lock: &Lock, lock_file: FileId) -> Vec<Diag> {
    let span = |model: &str| lock.model(model).and_then(|m| m.span.clone());
    problems
        .iter()
        .map(|p| match p {
            Problem::Source { model, failure } => Diag::error(failure.code, format!("cannot fetch `{model}`: {}", failure.message))
                .with_model(model.clone())
                .with_label(lock_file, span(model), "locked here")
                .with_help(failure.help.clone()),
            Problem::Mismatch {
                model,
                path,
                expected,
                received,
                url,
            } => {
                let got = match received {
                    (Some(sha), Some(size)) => format!("sha256 {sha} ({size} bytes)"),
                    (Some(sha), None) => format!("sha256 {sha}"),
                    (None, Some(size)) => format!("{size} bytes"),
                    (None, None) => "other bytes".to_owned(),
                };
                Diag::error(
                    Code::FetchHashMismatch,
                    format!(
                        "`{path}` of `{model}` as served is not the locked file: expected sha256 {} ({} bytes), received {got} from {url}",
                        expected.0, expected.1
                    ),
                )
                .with_model(model.clone())
                .with_label(lock_file, span(model), format!("locked `{path}`"))
                .with_help("nothing was written in its place: the source now serves other bytes for the locked revision (a proxy, a mirror, or a rewritten revision); check HF_ENDPOINT and proxies, and compare with `modellock update --locked`")
            }
            Problem::Io { model, path, error } => Diag::error(
                Code::FetchIo,
                format!("cannot write `{}` for `{model}`: {error}", path.display()),
            )
            .with_model(model.clone())
            .with_label(lock_file, span(model), "locked here")
            .with_help(if error.raw_os_error() == Some(28) {
                "the disk is full: free space (the cache needs the model's size) or fetch into another disk with --dir or HF_HUB_CACHE".to_owned()
            } else {
                "check that the cache (HF_HUB_CACHE, OLLAMA_MODELS) or --dir is writable".to_owned()
            }),
        })
        .collect()
}
