//! `modellock attest [--output FILE]`: an in-toto v1 Statement of the lock,
//! for a signer (`cosign attest-blob`, any DSSE signer): every locked file
//! a subject (`MODEL/PATH` and its sha256, as the OpenSSF model-signing
//! layout names files by path and digest), the predicate each model's
//! revision, license digest, documents digest and reviews. Signing stays
//! with the signer.

use super::Context;
use crate::diag::{Code, Diag};
use crate::hashing::sha256_hex;
use serde_json::{json, Value};
use std::path::PathBuf;

/// The in-toto Statement type.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// What the predicate is.
pub const PREDICATE_TYPE: &str = "https://github.com/modellock/modellock/attestation/lock/v1";

#[derive(Debug, clap::Args)]
pub struct AttestArgs {
    /// Write the statement to FILE (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: &AttestArgs) -> u8 {
    let (project, lock, _) = match ctx.load_locked() {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    let manifest = &project.manifest;
    let mut subjects = Vec::new();
    let mut models = Vec::new();
    for m in lock.models() {
        for f in &m.files {
            subjects.push(
                json!({"name": format!("{}/{}", m.name, f.path), "digest": {"sha256": f.sha256}}),
            );
        }
        let reviews: Vec<Value> = manifest
            .model(&m.name)
            .map(|e| {
                e.reviews
                    .iter()
                    .map(|r| {
                        json!({
                            "license-digest": r.license_digest.value,
                            "documents-digest": r.documents_digest.as_ref().map(|d| &d.value),
                            "reviewer": r.reviewer.value,
                            "date": r.date.value.to_string(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        models.push(json!({
            "name": m.name,
            "source": m.source,
            "revision": m.revision,
            "tag": m.tag,
            "license": m.license,
            "license-digest": m.license_digest,
            "documents-digest": m.documents_digest,
            "reviews": reviews,
        }));
    }
    let lock_text = std::fs::read(ctx.lock_path()).unwrap_or_default();
    let statement = json!({
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "lock": {"name": crate::lock::FILE_NAME, "digest": {"sha256": sha256_hex(&lock_text)}},
            "models": models,
        },
    });
    let text = format!(
        "{}\n",
        serde_json::to_string_pretty(&statement).unwrap_or_default()
    );
    match &args.output {
        None => {
            crate::output::print_stdout(&text);
            0
        }
        Some(path) => match crate::fsutil::write_atomic(path, text.as_bytes()) {
            Ok(()) => {
                ctx.out.status(
                    "Wrote",
                    &format!("{} ({} subjects)", path.display(), subjects_len(&statement)),
                );
                0
            }
            Err(e) => {
                let d = Diag::error(
                    Code::LockIo,
                    format!("cannot write `{}`: {e}", path.display()),
                )
                .with_help("check the directory exists and is writable");
                ctx.fail(&[d], &project.files)
            }
        },
    }
}

fn subjects_len(statement: &Value) -> usize {
    statement["subject"].as_array().map_or(0, Vec::len)
}
