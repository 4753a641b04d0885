//! `modellock add SOURCE`: add a model entry to models.toml, keeping every
//! comment and the layout of the file.

use super::{write_manifest, Context};
use crate::diag::{Code, Diag};
use crate::manifest::{self, edit, InvalidName};
use crate::project::{LockNeed, Project};
use crate::source::Source;

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// `hf:ORG/NAME`, `ollama:[HOST/][NS/]NAME[:TAG]` or `path:DIR`.
    pub source: String,
    /// The entry's name (default: derived from the source).
    #[arg(long)]
    pub name: Option<String>,
    /// Branch, tag or commit to lock (hf:), or manifest digest (ollama:).
    #[arg(long)]
    pub revision: Option<String>,
    /// Lock only files matching this glob (repeatable).
    #[arg(long = "files", value_name = "GLOB")]
    pub files: Vec<String>,
}

pub fn run(ctx: &Context, args: &AddArgs) -> u8 {
    let Project {
        manifest, files, ..
    } = match ctx.load(LockNeed::None) {
        Ok(p) => p,
        Err(status) => return status,
    };

    let (source, url_revision) = match Source::parse_user(&args.source) {
        Ok(s) => s,
        Err(e) => {
            let d = Diag::error(
                Code::ManifestInvalidSource,
                format!("invalid source `{}`: {}", args.source, e.reason),
            )
            .with_help(e.help);
            return ctx.fail(&[d], &files);
        }
    };
    // a Hub URL is written as the source it names, its `/tree/REV` as the revision
    let raw = if Source::parse(&args.source).is_ok() {
        args.source.clone()
    } else {
        source.to_string()
    };
    let revision = args.revision.clone().or(url_revision);
    let name = args.name.clone().unwrap_or_else(|| source.suggested_name());
    let mut problems = Vec::new();
    if !manifest::is_valid_name(&name) {
        problems.push(
            InvalidName {
                file: manifest.file,
                name: name.clone(),
                span: None,
            }
            .into(),
        );
    }
    if let Some(existing) = manifest
        .models
        .iter()
        .find(|m| m.name.eq_ignore_ascii_case(&name))
    {
        let help = if args.name.is_some() {
            "choose another `--name`".to_owned()
        } else {
            format!(
                "pass `--name NAME` to add `{}` under another name",
                args.source
            )
        };
        problems.push(
            Diag::error(
                Code::ManifestDuplicateName,
                format!("models.toml already has a model named `{}`", existing.name),
            )
            .with_model(existing.name.clone())
            .with_label(manifest.file, existing.anchor(), "already here")
            .with_help(help),
        );
    }
    if let Some(rev) = &revision {
        if let Some((reason, help)) = manifest::revision_problem(&source, rev) {
            problems.push(
                Diag::error(
                    Code::ManifestInvalidRevision,
                    format!("invalid revision `{rev}`: {reason}"),
                )
                .with_help(help),
            );
        }
    }
    for glob in &args.files {
        if let Err(e) = manifest::compile_glob(glob) {
            problems.push(
                Diag::error(
                    Code::ManifestInvalidGlob,
                    format!("invalid glob `{glob}`: {e}"),
                )
                .with_help("globs use `*`, `?`, `**`, `[abc]` and `{a,b}`, e.g. `*.safetensors`"),
            );
        }
    }
    if !problems.is_empty() {
        return ctx.fail(&problems, &files);
    }

    let text = files.text(manifest.file).to_string();
    let entry = edit::NewEntry {
        name: &name,
        source: &raw,
        revision: revision.as_deref(),
        files: &args.files,
    };
    if let Err(status) = write_manifest(
        ctx,
        &manifest,
        &files,
        edit::add_model(&text, &entry),
        "add a model",
    ) {
        return status;
    }
    ctx.out.status(
        "Added",
        &format!(
            "`{name}` ({raw}) to {}; run `modellock update {name}` to lock it",
            manifest.path.display()
        ),
    );

    let report = crate::report::records::Added {
        added: crate::report::records::Entry {
            name: &name,
            source: &raw,
            revision: revision.as_deref(),
            files: &args.files,
        },
    };
    let extra = crate::output::fields(&report);
    ctx.out.done(&files, Some(manifest.models.len() + 1), extra);
    0
}
