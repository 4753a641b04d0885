//! `modellock remove NAME...`: remove model entries from models.toml,
//! keeping every other entry, comment and the layout; the next `update`
//! drops them from models.lock, and their texts from `.modellock/` when no
//! other model uses them.

use super::{write_manifest, Context};
use crate::diag::{Code, Diag};
use crate::manifest::edit;
use crate::project::{LockNeed, Project};

#[derive(Debug, clap::Args)]
pub struct RemoveArgs {
    /// The entries to remove.
    #[arg(required = true)]
    pub models: Vec<String>,
}

pub fn run(ctx: &Context, args: &RemoveArgs) -> u8 {
    let _lock = match ctx.lock_project() {
        Ok(l) => l,
        Err(status) => return status,
    };
    let Project {
        manifest, files, ..
    } = match ctx.load(LockNeed::None) {
        Ok(p) => p,
        Err(status) => return status,
    };
    let unknown: Vec<Diag> = args
        .models
        .iter()
        .filter(|n| manifest.model(n).is_none())
        .map(|n| super::unknown_model(&manifest, n))
        .collect();
    if !unknown.is_empty() {
        return ctx.fail(&unknown, &files);
    }
    // an entry that stays may not derive from one that goes
    let orphans: Vec<Diag> = manifest
        .models
        .iter()
        .filter(|e| !args.models.contains(&e.name))
        .filter_map(|e| {
            let base = e.base.as_ref()?;
            args.models.contains(&base.value).then(|| {
                Diag::error(
                    Code::ManifestInvalidValue,
                    format!("`{}` is the base of `{}`, which stays", base.value, e.name),
                )
                .with_model(e.name.clone())
                .with_label(manifest.file, base.span.clone(), "derives from it")
                .with_help(format!(
                    "remove `{}` too, or change its `base` first",
                    e.name
                ))
            })
        })
        .collect();
    if !orphans.is_empty() {
        return ctx.fail(&orphans, &files);
    }
    let names: Vec<&str> = args.models.iter().map(String::as_str).collect();
    let edited = edit::remove_models(files.text(manifest.file), &names);
    if let Err(status) = write_manifest(ctx, &manifest, &files, edited, "remove the models") {
        return status;
    }
    ctx.out.status(
        "Removed",
        &format!(
            "{} from {}; `modellock update` drops {} from models.lock",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", "),
            manifest.path.display(),
            if names.len() == 1 { "it" } else { "them" }
        ),
    );
    let extra = crate::output::fields(&serde_json::json!({ "removed": names }));
    ctx.out
        .done(&files, Some(manifest.models.len() - names.len()), extra);
    0
}
