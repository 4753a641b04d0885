//! What a model may ship: weights only in the formats policy accepts
//! (`[policy] formats`, per model `formats`; by default every format but
//! pickle, which runs code when it is loaded), and code — `*.py` files,
//! native libraries, the classes a config's `auto_map` names — only as
//! `remote-code` says (`deny`, `warn` by default, `allow`).

use crate::diag::{Code, Diag, FileId};
use crate::lock::LockedModel;
use crate::manifest::{Manifest, ModelEntry};
use crate::source::format::Class;

/// The weight formats accepted when policy names none.
pub const DEFAULT_FORMATS: [Class; 6] = [
    Class::Safetensors,
    Class::Gguf,
    Class::Onnx,
    Class::Numpy,
    Class::Keras,
    Class::Tensorflow,
];

/// `policy::format` and `policy::remote-code` for a locked model.
pub fn check(
    manifest: &Manifest,
    entry: &ModelEntry,
    locked: &LockedModel,
    lock_file: FileId,
) -> Vec<Diag> {
    let mut out = Vec::new();
    let explicit = entry.formats.as_ref().or(manifest.policy.formats.as_ref());
    let accepted: Vec<Class> = match explicit {
        Some(list) => list
            .value
            .iter()
            .filter_map(|f| Class::parse(&f.value))
            .collect(),
        None => DEFAULT_FORMATS.to_vec(),
    };
    let denied: Vec<&str> = locked
        .files
        .iter()
        .filter(|f| f.class().is_weights() && !accepted.contains(&f.class()))
        .map(|f| f.path.as_str())
        .collect();
    if !denied.is_empty() {
        let classes: std::collections::BTreeSet<&str> = locked
            .files
            .iter()
            .filter(|f| denied.contains(&f.path.as_str()))
            .map(|f| f.class().as_str())
            .collect();
        let classes: Vec<&str> = classes.into_iter().collect();
        let safe_beside = locked.files.iter().any(|f| accepted.contains(&f.class()));
        let how = if safe_beside {
            "the model has weights in an accepted format beside them: leave these out with `files` globs (e.g. `files = [\"*.safetensors\", \"*.json\", \"tokenizer*\"]`)".to_owned()
        } else {
            format!(
                "use a conversion in an accepted format (a safetensors or GGUF repo), or accept the format for this model: `formats = [{}]` under [models.{}]",
                classes.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", "),
                entry.name
            )
        };
        let by = match explicit {
            Some(_) => "the accepted formats".to_owned(),
            None => "the default formats (every weight format but pickle)".to_owned(),
        };
        let mut d = Diag::error(
            Code::PolicyFormat,
            format!(
                "model `{}` locks {} in {} format, which is not among {by}: {}",
                entry.name,
                if denied.len() == 1 { "a file" } else { "files" },
                classes.join(" and "),
                denied.join(", ")
            ),
        )
        .with_model(entry.name.clone())
        .with_label(manifest.file, entry.anchor(), "this model")
        .with_label(lock_file, locked.span.clone(), "locked with them")
        .with_help(format!(
            "pickle-based weights (PyTorch .bin/.pt, .ckpt, .pkl) run code when they are loaded; {how}"
        ));
        if let Some(list) = explicit {
            d = d.with_label(manifest.file, list.span.clone(), "the accepted formats");
        }
        out.push(d);
    }
    out.extend(remote_code(manifest, entry, locked, lock_file));
    out
}

/// `policy::remote-code`: the code a model ships and the classes its
/// configs map, unless `remote-code = "allow"`.
fn remote_code(
    manifest: &Manifest,
    entry: &ModelEntry,
    locked: &LockedModel,
    lock_file: FileId,
) -> Option<Diag> {
    let setting = entry
        .remote_code
        .as_ref()
        .or(manifest.policy.remote_code.as_ref());
    let mode = setting.map_or("warn", |s| s.value.as_str());
    if mode == "allow" {
        return None;
    }
    let code: Vec<&str> = locked
        .files
        .iter()
        .filter(|f| f.class() == Class::Code)
        .map(|f| f.path.as_str())
        .collect();
    let mapped: Vec<String> = locked
        .files
        .iter()
        .flat_map(|f| f.remote_code.iter().map(move |t| (f.path.as_str(), t)))
        .map(|(file, target)| match target.split_once("--") {
            Some((repo, class)) => format!("{class} from the repo {repo} ({file})"),
            None => format!("{target} ({file})"),
        })
        .collect();
    if code.is_empty() && mapped.is_empty() {
        return None;
    }
    let mut what = Vec::new();
    if !code.is_empty() {
        what.push(format!("code files {}", code.join(", ")));
    }
    if !mapped.is_empty() {
        what.push(format!(
            "`auto_map` classes that `trust_remote_code=True` runs: {}",
            mapped.join(", ")
        ));
    }
    let message = format!("model `{}` ships {}", entry.name, what.join("; and "));
    let d = if mode == "deny" {
        Diag::error(Code::PolicyRemoteCode, message)
    } else {
        Diag::warning(Code::PolicyRemoteCode, message)
    };
    let mut d = d
        .with_model(entry.name.clone())
        .with_label(manifest.file, entry.anchor(), "this model")
        .with_label(lock_file, locked.span.clone(), "locked with it")
        .with_help(format!(
            "read the code before loading the model with trust_remote_code=True, or leave it out with `files` globs when the model runs without it; `remote-code = \"allow\"` under [models.{}] records that it was read{}",
            entry.name,
            if mode == "deny" { "" } else { ", `remote-code = \"deny\"` in [policy] makes this an error" }
        ));
    if let Some(s) = setting {
        d = d.with_label(manifest.file, s.span.clone(), "remote-code policy");
    }
    Some(d)
}
